#include "host/host_services.hpp"

#include "host/call_frame.hpp"
#include "host/http_client.hpp"

namespace agentsys {
namespace fs = std::filesystem;
using json = nlohmann::json;

HostServices::HostServices(PolicyGate& policy, HostEnvironment environment)
    : policy_(policy),
      environment_(std::move(environment)),
      http_(std::make_unique<HttpClient>()) {}

HostServices::~HostServices() = default;

fs::path HostServices::run_dir(const CallFrame& call) {
  std::string_view run_id(call.raw.run_id.ptr, call.raw.run_id.len);
  // Run ids are the kernel's own (hex); anything else never becomes a path component.
  if (run_id.empty() || run_id.find_first_of("/\\.") != std::string_view::npos) return {};
  fs::path dir = environment_.state_dir / "runs" / std::string(run_id);
  std::error_code ec;
  fs::create_directories(dir, ec);
  return dir;
}

PolicyDecision HostServices::decide(json request, const CallFrame& call, std::string_view plugin) {
  if (fs::path dir = run_dir(call); !dir.empty()) request["vars"]["run_dir"] = dir.string();
  return policy_.decide(request, &call, plugin);
}

void HostServices::record_decision(const json& request, const PolicyDecision& decision,
                                   const CallFrame& call, std::string_view plugin) {
  policy_.record(request, decision, &call, plugin);
}

Submission HostServices::submit(TaskSpec task) const {
  if (!submitter_) throw std::logic_error("this kernel has no runner to submit tasks to");
  return submitter_(std::move(task));
}

fs::path HostServices::database(std::string_view name) const {
  auto it = environment_.databases.find(name);
  return it == environment_.databases.end() ? fs::path() : it->second;
}

}  // namespace agentsys
