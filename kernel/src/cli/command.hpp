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
  std::vector<std::filesystem::path> plugin_dirs;
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
  /// read-only kernel creates nothing under the state directory.
  std::unique_ptr<Kernel> make_kernel(bool read_only);
};

/// Returns `code`, or ends the process at once with it when a plugin is still stuck in an
/// abandoned call (after making every record durable), since such a thread cannot be joined.
int finish(CommandContext& ctx, Kernel& kernel, int code);

/// Parses a --status value; throws UsageError listing the valid ones.
TaskStatus parse_status_option(const std::string& text);

/// Reads `--input` values: inline JSON, or `@FILE`. Throws UsageError when unreadable or
/// not valid JSON, naming where.
std::string read_json_argument(std::string_view option, const std::string& value);

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

}  // namespace agentsys::cli
