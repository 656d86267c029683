#pragma once
// Running one legacy (V1) report script through the host: the command line comes from the
// module's configuration (so it can point at the operator's own scripts), the host decides it
// with command policy and bounds it by the call's deadline, and the script's one-line JSON
// summary is parsed.
#include <agentsys/plugin.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace agentsys::reports::v1 {

/// The wrappers' configuration (the module's `config` table plus its config_sections).
struct LegacyConfig {
  std::string python = "python3";
  std::string scripts_dir;  ///< absolute; holds report_orchestrator.py ...
  std::string out_dir;      ///< absolute; where V1 writes its reports and its ledger
  std::string config_dir;   ///< absolute; passed as --config-dir
  std::string database;     ///< absolute SQLite path (from databases[NAME])
  std::string database_name;
  std::string publish_dir;  ///< absolute; empty: no publication
  nlohmann::json reports = nlohmann::json::object();
  bool configured = false;  ///< false: loaded without configuration ("{}")

  static LegacyConfig parse(std::string_view config_json);
  [[nodiscard]] std::string script(std::string_view name) const;
};

/// What a script printed and how it ended.
struct LegacyOutcome {
  int exit_code = 0;
  nlohmann::json summary =
      nlohmann::json::object();  ///< the last JSON line on stdout ({} when none)
  bool dry_run = false;  ///< the host did not run it (dry run): summary is {"would_run": argv}
  std::string error;     ///< the script's last stderr line
};

/// Runs `python SCRIPT args...`; throws agentsys::Error for a host refusal (policy, timeout).
LegacyOutcome run_script(const Host& host, const Call& call, const LegacyConfig& config,
                         std::string_view script, const std::vector<std::string>& args);

/// The input of a call to action "run" of `module` (a JSON object); throws AS_ERR_UNSUPPORTED
/// for another action and AS_ERR_INVALID_INPUT for an input that is not an object.
nlohmann::json run_input(const Call& call, std::string_view module);

/// Maps a script's failure to a status: exit 2 (bad input) -> AS_ERR_INVALID_INPUT, else
/// AS_ERR_INTERNAL, with the script's own message.
[[noreturn]] void fail_with(const LegacyOutcome& outcome, std::string_view script);

}  // namespace agentsys::reports::v1
