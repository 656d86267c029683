#pragma once
// What the migration commands (migrate shadow|cutover|rollback) share: their options, the
// modules they act on, progress on a terminal, and the shadow run's report.
#include <filesystem>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "migration/migration_cases.hpp"

namespace agentsys::cli {

struct MigrateArgs {
  std::string target_month;
  std::string domain;                ///< --domain; empty: every migratable module
  std::vector<std::string> modules;  ///< --module, repeatable; empty: the domain's
  bool json = false;
};

void add_migrate_options(boost::program_options::options_description& desc, MigrateArgs& args);
/// Throws UsageError for a missing or malformed month.
void check_migrate_args(std::string_view command, const MigrateArgs& args);
/// --module as given (each must be configured), else the domain's modules. Throws UsageError.
std::vector<std::string> select_modules(std::string_view command,
                                        const config::EffectiveConfig& config,
                                        const MigrateArgs& args);
std::vector<migration::MigrationCase> cases_or_throw(const config::EffectiveConfig& config,
                                                     const std::string& module,
                                                     const std::string& target_month);
std::filesystem::path reconcile_month_dir(const Kernel& kernel, const std::string& target_month);

/// Progress lines on stderr, only when it is a terminal and the output is not JSON.
class Progress {
 public:
  Progress(CommandContext& ctx, bool as_json);
  void line(const std::string& text);

 private:
  std::ostream& err_;
  bool on_;
};

/// What a shadow run found, per module and per run (from the runs' `shadow_compared` events).
struct ShadowReport {
  nlohmann::ordered_json modules = nlohmann::ordered_json::array();
  nlohmann::ordered_json runs = nlohmann::ordered_json::array();
  std::string verdict = "pass";  ///< the worst of the runs': pass, warn, block
};
ShadowReport collect_shadow_report(Kernel& kernel, const std::vector<RunResult>& results,
                                   const std::vector<std::pair<std::string, std::string>>& labels);
void print_shadow_report(std::ostream& out, const ShadowReport& report,
                         const std::string& target_month);

}  // namespace agentsys::cli
