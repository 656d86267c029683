#pragma once
// What every CLI command gets, and the helpers they share.
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>

#include "config/config_loader.hpp"
#include "kernel.hpp"

namespace agentsys::cli {

/// Bad arguments or input: exit 2 with the message.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A valid command that failed: exit 1 with the message.
class RuntimeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct GlobalOptions {
  std::filesystem::path state_dir = "var";
  bool state_dir_set = false;  ///< --state-dir was given (it then overrides kernel.state_dir).
  std::vector<std::filesystem::path> plugin_dirs;
  std::string env;                                  ///< --env, else $AGENTSYS_ENV, else "dev".
  std::optional<std::filesystem::path> config_dir;  ///< --config-dir
  std::vector<std::string> overrides;               ///< --set KEY=VALUE, in order.
  bool help = false;
};

struct CommandContext {
  GlobalOptions global;
  std::string usage;              ///< e.g. "agentsys module set MODULE --mode v1|v2"
  std::string summary;            ///< One line on what the command does.
  std::vector<std::string> args;  ///< Tokens after NOUN [VERB].
  std::ostream& out;
  std::ostream& err;

  /// Parses `args` against `desc` (plus positionals). Returns nullopt when --help was asked
  /// and the help has been printed. Throws UsageError on bad arguments.
  std::optional<boost::program_options::variables_map> parse(
      const boost::program_options::options_description& desc,
      const boost::program_options::positional_options_description& positional = {});

  /// Loads plugins from the search path; prints one warning line per refused file. A
  /// read-only kernel creates nothing under the state directory. A configured kernel also
  /// loads the effective configuration (--env, --config-dir, --set) and applies it: runner
  /// settings, module defaults, databases and the policy that lets plugins have side effects.
  /// Throws like load_effective_config when the configuration has problems.
  /// `recover`: resume runs a stopped kernel left in flight when the runner starts (`scope`
  /// says which).
  std::unique_ptr<Kernel> make_kernel(bool read_only, bool configured = false, bool recover = true,
                                      RecoveryScope scope = RecoveryScope::automatic);
};

/// Returns `code`, or ends the process at once with it when a plugin is still stuck in an
/// abandoned call (after making every record durable), since such a thread cannot be joined.
int finish(CommandContext& ctx, Kernel& kernel, int code);

/// The configuration the global options ask for (--env, --config-dir, --set, --state-dir).
/// Throws UsageError when no configuration directory is found.
config::ConfigRequest config_request(const GlobalOptions& global);

/// Loads it, with the configuration folders the plugins of the search path (and of its
/// [plugins] dirs) declare; the plugins loaded for that go to `plugins` when given. Throws
/// UsageError (unknown environment, bad --set) or, after printing every problem on `err`,
/// RuntimeError.
config::EffectiveConfig load_effective_config(const GlobalOptions& global, std::ostream& err,
                                              PluginSet* plugins = nullptr);

/// The folders `plugins` declare, as the configuration loader takes them.
std::vector<config::DomainFolder> domain_folders(const PluginSet& plugins);

/// Loads `request` with the folders of `plugins`, loading the plugins of the configuration's
/// [plugins] dirs into `plugins` too (and reloading when they declare more folders). With
/// `problems`, problems are collected there instead of thrown (preflight).
config::EffectiveConfig load_with_plugins(config::ConfigRequest request, PluginSet& plugins,
                                          std::vector<config::Problem>* problems);

/// Parses a --status value; throws UsageError listing the valid ones.
TaskStatus parse_status_option(const std::string& text);

/// Reads `--input` values: inline JSON, or `@FILE`. Throws UsageError when unreadable or
/// not valid JSON, naming where.
std::string read_json_argument(std::string_view option, const std::string& value);

/// The run store when the state directory has one; null when nothing was ever recorded.
RunStore* existing_store(Kernel& kernel);

/// The commands the plugins of the search path serve (ABI 1.3), loading them for it.
std::vector<DeclaredCommand> plugin_commands(const GlobalOptions& global);
/// Runs `agentsys NOUN VERB ARGS...` on the plugin that serves it (its on_command), with the
/// configuration when there is one.
int run_plugin_command(CommandContext& ctx, const std::string& plugin, const std::string& noun,
                       const std::string& verb);

int plugins_list(CommandContext& ctx);
int plugins_inspect(CommandContext& ctx);
int module_list(CommandContext& ctx);
int module_set(CommandContext& ctx);
int module_resume(CommandContext& ctx);
int run_task(CommandContext& ctx);
int batch_run(CommandContext& ctx);
int runs_list(CommandContext& ctx);
int runs_show(CommandContext& ctx);
int runs_recover(CommandContext& ctx);
int events_list(CommandContext& ctx);
int metrics_show(CommandContext& ctx);
int policy_check(CommandContext& ctx);
int lineage_show(CommandContext& ctx);
int lineage_export(CommandContext& ctx);
int policy_log(CommandContext& ctx);
int config_show(CommandContext& ctx);
int preflight(CommandContext& ctx);
int migrate_shadow(CommandContext& ctx);
int migrate_cutover(CommandContext& ctx);
int migrate_rollback(CommandContext& ctx);
int migrate_redlines(CommandContext& ctx);
int golden_record(CommandContext& ctx);
int golden_replay(CommandContext& ctx);

/// The state directory of the migration commands (snapshot, todo, gate): --state-dir when
/// given (the configuration is then not read), else the environment's kernel.state_dir.
std::filesystem::path migration_state_dir(CommandContext& ctx);
int snapshot_create(CommandContext& ctx);
int snapshot_list(CommandContext& ctx);
int snapshot_show(CommandContext& ctx);
int snapshot_verify(CommandContext& ctx);
int snapshot_restore(CommandContext& ctx);
int todo_list(CommandContext& ctx);
int todo_done(CommandContext& ctx);
int todo_add(CommandContext& ctx);
int gate_evaluate(CommandContext& ctx);
int gate_record(CommandContext& ctx);
int reconcile_show(CommandContext& ctx);

}  // namespace agentsys::cli
