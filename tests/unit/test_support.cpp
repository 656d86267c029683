#include "test_support.hpp"

#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <fstream>

#include <doctest/doctest.h>

#include "config/toml_to_json.hpp"
#include "plugin/plugin_library.hpp"

namespace agentsys::test {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "agentsys-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void RecordingSink::log(std::string_view plugin, const CallFrame* call, as_log_level level,
                        std::string_view message) {
  std::lock_guard lock(mutex_);
  logs_.push_back({std::string(plugin), fmt::format("{}:{}", static_cast<int>(level), message),
                   call != nullptr});
}

void RecordingSink::metric(std::string_view plugin, const CallFrame* call, std::string_view name,
                           double value, std::string_view labels_json) {
  std::lock_guard lock(mutex_);
  metrics_.push_back(
      {std::string(plugin), fmt::format("{}={} {}", name, value, labels_json), call != nullptr});
}

std::vector<RecordingSink::Entry> RecordingSink::logs() {
  std::lock_guard lock(mutex_);
  return logs_;
}

std::vector<RecordingSink::Entry> RecordingSink::metrics() {
  std::lock_guard lock(mutex_);
  return metrics_;
}

std::vector<int> processes_with_argv(const std::vector<std::string>& argv) {
  namespace fs = std::filesystem;
  std::vector<int> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::vector<std::string> args;
    for (std::string arg; std::getline(in, arg, '\0');) args.push_back(arg);
    // argv[0] may have been resolved to an absolute path: compare its file name only.
    bool same = args.size() == argv.size() && !args.empty() &&
                fs::path(args[0]).filename() == fs::path(argv[0]).filename() &&
                std::equal(args.begin() + 1, args.end(), argv.begin() + 1);
    if (same) pids.push_back(std::stoi(name));
  }
  return pids;
}

void PolicedSink::enable(ModuleRegistry& registry, const std::filesystem::path& state_dir,
                         RunStore* log, HostEnvironment environment,
                         const std::vector<std::string>& env_layers) {
  LoadResult policy = PluginLibrary::load(bundled("policy"));
  REQUIRE_MESSAGE(policy, policy.error);
  REQUIRE(registry.install(policy.library, ModuleRegistry::Install::add).empty());
  auto base = config::parse_toml_file(kSourceDir / "config/policy/base.toml", "base.toml");
  REQUIRE_MESSAGE(base.ok, base.error.message);
  environment.state_dir = std::filesystem::canonical(state_dir);
  if (environment.output_dir.empty()) environment.output_dir = environment.state_dir / "output";
  nlohmann::json config{
      {"env", "test"},
      {"vars",
       {{"state_dir", environment.state_dir.string()},
        {"output_dir", environment.output_dir.string()},
        {"config_dir", (kSourceDir / "config").string()},
        {"repo_root", kSourceDir.string()}}},
      {"layers", {{{"name", "base"}, {"source", "base.toml"}, {"document", base.document}}}}};
  for (const std::string& name : env_layers) {
    auto layer =
        config::parse_toml_file(kSourceDir / "config/policy" / (name + ".toml"), name + ".toml");
    REQUIRE_MESSAGE(layer.ok, layer.error.message);
    config["layers"].push_back(
        {{"name", name}, {"source", name + ".toml"}, {"document", layer.document}});
  }
  gate_ = std::make_unique<PolicyGate>(registry, log, config);
  services_ = std::make_unique<HostServices>(*gate_, std::move(environment));
}

PolicedSink::~PolicedSink() = default;

void PolicedSink::side_effect(std::string_view /*plugin*/, const CallFrame& /*call*/,
                              std::string_view kind, std::string_view detail_json, bool performed) {
  std::lock_guard lock(mutex_);
  side_effects_.push_back(
      fmt::format("{} {} {}", kind, performed ? "performed" : "would_do", detail_json));
}

std::vector<std::string> PolicedSink::side_effects() {
  std::lock_guard lock(mutex_);
  return side_effects_;
}

}  // namespace agentsys::test
