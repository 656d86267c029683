#pragma once
// Shared helpers for the unit tests: fixture paths, a recording host sink, temp dirs.
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "host/host_api.hpp"
#include "host/host_services.hpp"
#include "policy/policy_gate.hpp"
#include "registry/module_registry.hpp"
#include "store/run_store.hpp"
#include "test_paths.h"

namespace agentsys::test {

inline const std::filesystem::path kPluginDir = AGENTSYS_TEST_PLUGIN_DIR;
inline const std::filesystem::path kFixtureDir = AGENTSYS_TEST_FIXTURE_DIR;

inline const std::filesystem::path kSourceDir = AGENTSYS_TEST_SOURCE_DIR;

inline std::filesystem::path bundled(const std::string& name) {
  return kPluginDir / (name + ".so");
}
inline std::filesystem::path bad(const std::string& name) {
  return kFixtureDir / "bad" / (name + ".so");
}
inline std::filesystem::path good(const std::string& name) {
  return kFixtureDir / "good" / (name + ".so");
}
/// Second implementations of fixture modules (behave_v1), kept apart from good/ so that
/// tests loading that directory still route "behave" to V2.
inline std::filesystem::path paired(const std::string& name) {
  return kFixtureDir / "paired" / (name + ".so");
}

/// A fresh directory removed when the object goes out of scope.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Records what plugins report through the host API.
class RecordingSink final : public HostSink {
 public:
  struct Entry {
    std::string plugin;
    std::string text;
    bool had_call = false;
  };
  void log(std::string_view plugin, const CallFrame* call, as_log_level level,
           std::string_view message) override;
  void metric(std::string_view plugin, const CallFrame* call, std::string_view name, double value,
              std::string_view labels_json) override;
  std::vector<Entry> logs();
  std::vector<Entry> metrics();

 private:
  std::mutex mutex_;
  std::vector<Entry> logs_;
  std::vector<Entry> metrics_;
};

/// Pids of the processes whose command line is exactly `argv` (read from /proc).
std::vector<int> processes_with_argv(const std::vector<std::string>& argv);

/// A sink whose side-effect services decide with the shipped base policy
/// (config/policy/base.toml), as a configured kernel's do; logs and metrics are dropped.
class PolicedSink final : public HostSink {
 public:
  void log(std::string_view, const CallFrame*, as_log_level, std::string_view) override {}
  void metric(std::string_view, const CallFrame*, std::string_view, double,
              std::string_view) override {}
  HostServices* services() override { return services_.get(); }
  void side_effect(std::string_view plugin, const CallFrame& call, std::string_view kind,
                   std::string_view detail_json, bool performed) override;
  /// "KIND performed|would_do DETAIL" per side effect, in order.
  std::vector<std::string> side_effects();

  /// Loads the policy plugin into `registry` and turns the services on. Runs work in
  /// <state_dir>/runs/<run_id>; `databases` are what run_sql may name; decisions go to `log`.
  /// `env_layers` (e.g. {"dev"}) adds config/policy/<name>.toml layers after base.
  void enable(ModuleRegistry& registry, const std::filesystem::path& state_dir,
              RunStore* log = nullptr, HostEnvironment environment = {},
              const std::vector<std::string>& env_layers = {});
  ~PolicedSink() override;

 private:
  std::unique_ptr<PolicyGate> gate_;
  std::unique_ptr<HostServices> services_;
  std::mutex mutex_;
  std::vector<std::string> side_effects_;
};

/// A sink that drops everything (for load tests).
class NullSink final : public HostSink {
 public:
  void log(std::string_view, const CallFrame*, as_log_level, std::string_view) override {}
  void metric(std::string_view, const CallFrame*, std::string_view, double,
              std::string_view) override {}
};

}  // namespace agentsys::test
