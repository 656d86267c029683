#pragma once
// What the host's services (run_command, run_sql, read_file, write_file, http_request,
// http_stream, policy_check, submit_task, query_runs) need from the kernel: the policy gate every
// one of them asks first, and where a run may work (its run directory, the output directory, the
// configured databases).
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "policy/policy_gate.hpp"
#include "task/task.hpp"

namespace agentsys {

class RunStore;

struct CallFrame;
class HttpClient;

/// Where the host's services act, from the effective configuration.
struct HostEnvironment {
  std::filesystem::path state_dir;   ///< Absolute; runs work in <state_dir>/runs/<run_id>.
  std::filesystem::path output_dir;  ///< Absolute.
  /// SQL databases plugins may name in run_sql: name -> SQLite file (absolute).
  std::map<std::string, std::filesystem::path, std::less<>> databases;
};

/// Thread-safe: plugins call the services from any thread.
class HostServices {
 public:
  HostServices(PolicyGate& policy, HostEnvironment environment);
  ~HostServices();
  HostServices(const HostServices&) = delete;
  HostServices& operator=(const HostServices&) = delete;

  /// The HTTP client of http_request and http_stream: one per kernel, so that connections to
  /// a host are kept alive and reused across calls.
  [[nodiscard]] HttpClient& http_client() const { return *http_; }

  /// Decides `request` for `plugin` within `call`, adding the call's per-run placeholder
  /// values (`run_dir`) so that rules can grant the run its own directory.
  PolicyDecision decide(nlohmann::json request, const CallFrame& call, std::string_view plugin);

  /// <state_dir>/runs/<run_id>, created on first use; empty when the call has no run id.
  std::filesystem::path run_dir(const CallFrame& call);

  /// Where submit_task sends tasks (the kernel's runner); set once, before any run starts.
  void set_submitter(std::function<Submission(TaskSpec)> submitter) {
    submitter_ = std::move(submitter);
  }
  /// Submits `task`; throws std::invalid_argument when the runner refuses it, and
  /// std::logic_error when there is no runner.
  Submission submit(TaskSpec task) const;

  /// Where query_runs reads runs from (the kernel's run store); set once, before any run
  /// starts. Null (the default) when runs are not recorded: query_runs is then unsupported.
  void set_run_store(RunStore* store) { run_store_ = store; }
  [[nodiscard]] RunStore* run_store() const { return run_store_; }

  /// Logs a decision the kernel made by a built-in rule (see PolicyGate::record).
  void record_decision(const nlohmann::json& request, const PolicyDecision& decision,
                       const CallFrame& call, std::string_view plugin);

  /// The SQLite file configured under `name`, or empty.
  [[nodiscard]] std::filesystem::path database(std::string_view name) const;
  [[nodiscard]] const HostEnvironment& environment() const { return environment_; }

 private:
  PolicyGate& policy_;
  HostEnvironment environment_;
  std::function<Submission(TaskSpec)> submitter_;
  RunStore* run_store_ = nullptr;
  std::unique_ptr<HttpClient> http_;
};

}  // namespace agentsys
