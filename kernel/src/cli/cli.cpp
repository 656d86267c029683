#include "cli/cli.hpp"

#include <agentsys/abi.h>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cli/command.hpp"
#include "cli/interrupt.hpp"
#include "config/kernel_settings.hpp"
#include "migration/migration_extension.hpp"
#include "plugin/plugin_paths.hpp"
#include "task/task_status.hpp"
#include "util/json_depth.hpp"
#include "version.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

struct CommandSpec {
  std::string_view noun;
  std::string_view verb;  // empty: the noun is the command
  std::string_view usage;
  std::string_view summary;
  int (*handler)(CommandContext&);
};

constexpr std::array<CommandSpec, 35> kCommands = {{
    {"plugins", "list", "agentsys plugins list [--json]",
     "List the plugins loaded from the plugin directories, and the files refused with why.",
     &plugins_list},
    {"plugins", "inspect", "agentsys plugins inspect FILE [--json]",
     "Load one plugin file and show its descriptor, ABI and modules, or why it cannot load.",
     &plugins_inspect},
    {"module", "list", "agentsys module list [--json]",
     "List every module with its V1 and V2 plugins, its mode, and whether it is paused.",
     &module_list},
    {"module", "set", "agentsys module set MODULE --mode v1|v2|shadow|cutover [--percent N]",
     "Route a module's tasks to V1, V2, both (shadow) or N% to V2 (cutover); persisted, recorded "
     "as an event.",
     &module_set},
    {"module", "resume", "agentsys module resume MODULE",
     "Resume a module paused after repeated consecutive failures.", &module_resume},
    {"run", "",
     "agentsys run MODULE [--action A] [--input JSON|@FILE] [--FIELD VALUE]... "
     "[--idempotency-key K] [--timeout SECONDS] [--retry JSON] [--dry-run] [--json]",
     "Run one task on a module through the runner and print its result. Other --FIELD VALUE "
     "options become input fields (--target-month 202602 -> \"target_month\": \"202602\").",
     &run_task},
    {"batch", "", "agentsys batch FILE [--json]",
     "Run the tasks of a JSON-lines file; each is acknowledged durably before it runs.",
     &batch_run},
    {"runs", "list", "agentsys runs list [--module M] [--status S] [--limit N] [--json]",
     "List recorded runs, newest first.", &runs_list},
    {"runs", "show", "agentsys runs show RUN_ID [--json]",
     "Show one run: its result, attempts and events.", &runs_show},
    {"runs", "recover", "agentsys runs recover [--json]",
     "Resume runs left in flight by a kernel that stopped, per their retry policy.", &runs_recover},
    {"events", "", "agentsys events [--run RUN_ID] [--limit N] [--json]",
     "List recorded events (all, or one run's), oldest first.", &events_list},
    {"metrics", "", "agentsys metrics [--json | --prometheus]",
     "Show run counts by status and latency percentiles per module and implementation.",
     &metrics_show},
    {"config", "show", "agentsys config show [--env ENV] [--set KEY=VALUE]... [--json]",
     "Show the effective configuration of an environment and where each value came from.",
     &config_show},
    {"preflight", "", "agentsys preflight [--env ENV] [--json]",
     "Check configuration, schemas, plugins, routes, policy and directories before a run.",
     &preflight},
    {"migrate", "shadow",
     "agentsys migrate shadow --target-month YYYYMM [--domain D | --module M...] [--json]",
     "Run a domain's modules in shadow mode for a month (V1 serves, V2 is compared) and print "
     "the reconciliation.",
     &migrate_shadow},
    {"migrate", "cutover",
     "agentsys migrate cutover --target-month YYYYMM --percent N [--domain D | --module M...] "
     "[--json]",
     "Check the red lines, snapshot configuration, outputs and scheduler state, then route N% "
     "of the modules' tasks to V2.",
     &migrate_cutover},
    {"migrate", "rollback",
     "agentsys migrate rollback --target-month YYYYMM --reason CODE [--domain D | --module M...] "
     "[--dry-run] [--json]",
     "Restore the cutover's snapshot, route the modules back to V1, write rollback_report.md "
     "and a to-do.",
     &migrate_rollback},
    {"migrate", "redlines",
     "agentsys migrate redlines --target-month YYYYMM [--domain D | --module M...] [--dry-run] "
     "[--json]",
     "Evaluate the rollback red lines with their evidence, and roll back the modules that "
     "crossed one (not with --dry-run).",
     &migrate_redlines},
    {"golden", "record", "agentsys golden record --module M --target-month YYYYMM [--json]",
     "Store the module's latest V1 results for the month as golden samples.", &golden_record},
    {"golden", "replay", "agentsys golden replay --module M [--target-month YYYYMM] [--json]",
     "Run V2 (sandboxed) on the golden samples' inputs and report key-field consistency.",
     &golden_replay},
    {"lineage", "show", "agentsys lineage show PATH|RUN_ID [--json]",
     "Walk from a report file or a run back to its inputs, rule version and code version.",
     &lineage_show},
    {"lineage", "export", "agentsys lineage export [--output FILE]",
     "Write every recorded OpenLineage RunEvent as JSON lines.", &lineage_export},
    {"policy", "check",
     "agentsys policy check --kind command|path|sql|action --input TEXT [--context NAME] "
     "[--env ENV] [--json]",
     "Ask the policy for a decision (allow, deny, needs_approval) with its rule and reason; "
     "exit 0 for allow, 3 otherwise.",
     &policy_check},
    {"policy", "log", "agentsys policy log [--run RUN_ID] [--json]",
     "List the policy decision log (every decision, oldest first).", &policy_log},
    {"snapshot", "create", "agentsys snapshot create [--reason TEXT] [--json]",
     "Copy the configuration, the outputs and the scheduler state into a checksummed snapshot.",
     &snapshot_create},
    {"snapshot", "list", "agentsys snapshot list [--json]",
     "List the snapshots of the state directory, oldest first.", &snapshot_list},
    {"snapshot", "show", "agentsys snapshot show ID [--json]",
     "Show a snapshot's manifest: sources, recorded module modes, every file and its SHA-256.",
     &snapshot_show},
    {"snapshot", "verify", "agentsys snapshot verify ID [--json]",
     "Recompute every checksum of a snapshot; exit 1 when a file is missing, changed or extra.",
     &snapshot_verify},
    {"snapshot", "restore", "agentsys snapshot restore ID [--dry-run] [--json]",
     "Verify a snapshot, then make the configuration and output trees equal to it byte for "
     "byte.",
     &snapshot_restore},
    {"todo", "list", "agentsys todo list [--all] [--json]",
     "List open to-do items (rollbacks create them); --all includes those done.", &todo_list},
    {"todo", "done", "agentsys todo done ID [--note TEXT] [--json]",
     "Mark a to-do item done, with an optional note.", &todo_done},
    {"todo", "add", "agentsys todo add --title T [--detail D] [--module M] [--link L] [--json]",
     "Add a to-do item.", &todo_add},
    {"gate", "", "agentsys gate --target-month YYYYMM [--json] [THRESHOLD OPTIONS]",
     "Judge the plan's four go/no-go thresholds on a month's recorded evidence; exit 0 only for "
     "GO. Record results with 'agentsys gate record'.",
     &gate_evaluate},
    {"gate", "record",
     "agentsys gate record --check tests|security_audit --status pass|fail "
     "[--high-findings N] [--detail TEXT] [--json]",
     "Record a result the gate reads (tests, security audit); the latest per check counts.",
     &gate_record},
    {"reconcile", "show", "agentsys reconcile show --target-month YYYYMM [--module NAME] [--json]",
     "Show the V1/V2 reconciliation of a month per module: latest verdict, consistency, "
     "differences by grade, top fields, latency p50/p95, and where the files are.",
     &reconcile_show},
}};

/// A command of the table the dispatcher reads: a kernel command (handler) or one a plugin
/// serves through the seam (plugin).
struct Entry {
  std::string noun;
  std::string verb;
  std::string usage;
  std::string summary;
  int (*handler)(CommandContext&) = nullptr;
  std::string plugin;
};

/// The kernel's commands, then those of the plugins in the search path (a plugin cannot take
/// a kernel command's noun: the kernel's wins and the plugin's is left out).
std::vector<Entry> command_table(const GlobalOptions& global, bool with_plugins) {
  std::vector<Entry> table;
  for (const CommandSpec& c : kCommands) {
    table.push_back({std::string(c.noun),
                     std::string(c.verb),
                     std::string(c.usage),
                     std::string(c.summary),
                     c.handler,
                     {}});
  }
  if (!with_plugins) return table;
  for (const DeclaredCommand& d : plugin_commands(global)) {
    bool kernel_noun = std::any_of(kCommands.begin(), kCommands.end(),
                                   [&](const CommandSpec& c) { return c.noun == d.command.noun; });
    if (kernel_noun) continue;
    table.push_back(
        {d.command.noun, d.command.verb, d.command.usage, d.command.summary, nullptr, d.plugin});
  }
  return table;
}

po::options_description global_options(GlobalOptions& g) {
  po::options_description desc("Global options");
  desc.add_options()  //
      ("help,h", po::bool_switch(&g.help), "show help (for a command: agentsys NOUN VERB --help)")(
          "version", "print the version and the plugin ABI version")(
          "state-dir", po::value<fs::path>(&g.state_dir)->default_value("var"),
          "state directory (database, outputs)")(
          "plugin-dir", po::value<std::vector<fs::path>>(&g.plugin_dirs)->composing(),
          "plugin directory; repeatable; replaces $AGENTSYS_PLUGIN_PATH and the default "
          "<exe>/../lib/agentsys/plugins")(
          "env", po::value<std::string>(&g.env),
          "environment: config/env/ENV.toml (default $AGENTSYS_ENV, else dev)")(
          "config-dir",
          po::value<fs::path>()->notifier([&g](const fs::path& p) { g.config_dir = p; }),
          "configuration directory (default $AGENTSYS_CONFIG_DIR, else ./config, else the one "
          "next to the executable)")(
          "set", po::value<std::vector<std::string>>(&g.overrides)->composing(),
          "KEY=VALUE: override a configuration value (repeatable; KEY like "
          "runner.max_concurrency, VALUE a TOML value or a string)");
  return desc;
}

void print_main_help(std::ostream& out, const po::options_description& globals,
                     const std::vector<Entry>& table) {
  out << "agentsys - AgentSystem V2 plugin microkernel\n\n"
         "Usage: agentsys [GLOBAL OPTIONS] NOUN [VERB] [OPTIONS]\n\nCommands:\n";
  for (const Entry& c : table) {
    std::string_view usage = c.usage;
    if (usage.rfind("agentsys ", 0) == 0) usage.remove_prefix(9);
    if (usage.size() > 56) usage = usage.substr(0, usage.find(" [", 0));
    std::string_view summary = c.summary;
    fmt::print(out, "  {:<56} {}{}\n", usage, summary.substr(0, summary.find('.')),
               c.plugin.empty() ? "" : fmt::format(" (plugin {})", c.plugin));
  }
  out << "\n" << globals << "\n";
  out << "Exit codes: 0 ok, 1 runtime error (the command ran and failed), 2 usage error (bad "
         "arguments or input; nothing was done).\n"
         "Environment: AGENTSYS_PLUGIN_PATH (colon-separated plugin directories), "
         "AGENTSYS_LOG_LEVEL (debug|info|warn|error, default warn), AGENTSYS_ENV, "
         "AGENTSYS_CONFIG_DIR.\n";
}

void print_noun_help(std::ostream& out, std::string_view noun, const std::vector<Entry>& table) {
  fmt::print(out, "Usage: agentsys {} VERB [OPTIONS]\n\nVerbs:\n", noun);
  for (const Entry& c : table) {
    if (c.noun == noun) fmt::print(out, "  {:<10} {}\n", c.verb, c.summary);
  }
  fmt::print(out, "\nSee 'agentsys {} VERB --help'.\n", noun);
}

void configure_logging() {
  auto logger = spdlog::stderr_color_mt("agentsys");
  logger->set_pattern("agentsys: %l: %v");
  spdlog::set_default_logger(logger);
  const char* level = std::getenv("AGENTSYS_LOG_LEVEL");
  spdlog::set_level(level != nullptr ? spdlog::level::from_str(level) : spdlog::level::warn);
}

int dispatch(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  GlobalOptions global;
  po::options_description globals = global_options(global);
  po::positional_options_description words;
  words.add("words", -1);
  po::options_description all;
  all.add(globals).add_options()("words", po::value<std::vector<std::string>>());

  po::parsed_options parsed =
      po::command_line_parser(argc, argv).options(all).positional(words).allow_unregistered().run();
  po::variables_map vm;
  po::store(parsed, vm);
  po::notify(vm);
  std::vector<std::string> rest = po::collect_unrecognized(parsed.options, po::include_positional);
  global.state_dir_set = !vm["state-dir"].defaulted();
  if (global.env.empty()) {
    const char* env = std::getenv("AGENTSYS_ENV");
    global.env = env != nullptr && *env != '\0' ? env : "dev";
  }

  if (vm.count("version") != 0U) {
    fmt::print(out, "agentsys {} (plugin ABI {}.{}, build {})\n", kVersion, AS_ABI_VERSION_MAJOR,
               AS_ABI_VERSION_MINOR, kBuildId);
    return kExitOk;
  }
  auto noun_at = std::find_if(rest.begin(), rest.end(),
                              [](const std::string& t) { return !t.empty() && t[0] != '-'; });
  if (noun_at == rest.end()) {
    if (global.help || rest.empty()) {
      print_main_help(global.help ? out : err, globals, command_table(global, true));
      return global.help ? kExitOk : kExitUsageError;
    }
    throw UsageError(fmt::format("expected a command before '{}' (see agentsys --help)", rest[0]));
  }
  std::string noun = *noun_at;
  rest.erase(noun_at);

  // Plugins are loaded for their commands only when the noun is not the kernel's.
  const bool kernel_noun = std::any_of(kCommands.begin(), kCommands.end(),
                                       [&](const CommandSpec& c) { return c.noun == noun; });
  const std::vector<Entry> table = command_table(global, !kernel_noun);
  bool has_verbs = false;
  bool known_noun = false;
  for (const Entry& c : table) {
    if (c.noun == noun) {
      known_noun = true;
      has_verbs = has_verbs || !c.verb.empty();
    }
  }
  if (!known_noun) {
    std::vector<std::string_view> nouns;
    for (const Entry& c : table) {
      if (std::find(nouns.begin(), nouns.end(), c.noun) == nouns.end()) nouns.push_back(c.noun);
    }
    throw UsageError(fmt::format("unknown command '{}': expected one of {} (see agentsys --help)",
                                 noun, fmt::join(nouns, ", ")));
  }
  std::string verb;
  // A noun that is also a command on its own (`gate --target-month M`, `gate record ...`)
  // takes a verb only when the first word is one of its verbs: other words are option values.
  const bool noun_command = std::any_of(
      table.begin(), table.end(), [&](const auto& c) { return c.noun == noun && c.verb.empty(); });
  if (has_verbs) {
    auto verb_at = std::find_if(rest.begin(), rest.end(),
                                [](const std::string& t) { return !t.empty() && t[0] != '-'; });
    if (noun_command &&
        (verb_at == rest.end() || std::none_of(table.begin(), table.end(), [&](const auto& c) {
           return c.noun == noun && c.verb == *verb_at;
         }))) {
      // The noun's own command: verb stays empty.
    } else if (verb_at == rest.end()) {
      if (global.help) {
        print_noun_help(out, noun, table);
        return kExitOk;
      }
      print_noun_help(err, noun, table);
      return kExitUsageError;
    } else {
      verb = *verb_at;
      rest.erase(verb_at);
    }
  }
  for (const Entry& c : table) {
    if (c.noun == noun && c.verb == verb) {
      CommandContext ctx{global, c.usage, c.summary, rest, out, err};
      if (c.handler == nullptr) return run_plugin_command(ctx, c.plugin, c.noun, c.verb);
      return c.handler(ctx);
    }
  }
  std::string verbs;
  for (const Entry& c : table) {
    if (c.noun == noun) verbs += (verbs.empty() ? "" : ", ") + std::string(c.verb);
  }
  throw UsageError(fmt::format("unknown verb '{} {}': expected one of {}", noun, verb, verbs));
}

}  // namespace

std::optional<po::variables_map> CommandContext::parse(
    const po::options_description& desc, const po::positional_options_description& positional) {
  po::options_description with_help = desc;
  bool help = false;
  with_help.add_options()("help,h", po::bool_switch(&help), "show this help");
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(with_help).positional(positional).run(), vm);
  if (help || global.help) {
    fmt::print(out, "Usage: {}\n\n{}\n\n", usage, summary);
    out << desc
        << "\nGlobal options (--state-dir, --plugin-dir, --env, --config-dir, --set): see "
           "agentsys --help.\n";
    return std::nullopt;
  }
  po::notify(vm);
  return vm;
}

std::unique_ptr<Kernel> CommandContext::make_kernel(bool read_only, bool configured, bool recover,
                                                    RecoveryScope scope) {
  KernelOptions options;
  options.read_only = read_only;
  options.recovery_scope = scope;
  options.plugin_dirs = plugin_search_path(global.plugin_dirs, std::getenv("AGENTSYS_PLUGIN_PATH"));
  options.state_dir = global.state_dir;
  options.recover_on_start = recover;
  migration::MigrationSettings migration;
  if (configured) {
    PluginSet plugins;
    const config::EffectiveConfig config = load_effective_config(global, err, &plugins);
    config::apply_config(config, options);
    migration = migration::migration_settings(config);
    options.plugins = std::move(plugins);
  }
  migration::install_migration(options, std::move(migration));
  auto kernel = std::make_unique<Kernel>(std::move(options));
  for (const PluginRefusal& r : kernel->refusals()) {
    fmt::print(err, "agentsys: warning: refused plugin {}: {}\n", r.file.string(), r.reason);
  }
  return kernel;
}

std::string read_json_argument(std::string_view option, const std::string& value) {
  std::string text = value;
  std::string where = fmt::format("--{}", option);
  if (!value.empty() && value[0] == '@') {
    fs::path file = value.substr(1);
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      throw UsageError(fmt::format("--{}: cannot read file '{}'", option, file.string()));
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    text = buf.str();
    where = file.string();
  }
  if (json_depth(text) > kMaxJsonDepth) {
    throw UsageError(fmt::format("{}: arrays and objects nest more than {} levels deep: flatten it",
                                 where, kMaxJsonDepth));
  }
  try {
    nlohmann::json parsed = nlohmann::json::parse(text);
    static_cast<void>(parsed);
  } catch (const nlohmann::json::parse_error& e) {
    // what() reads "[json.exception.parse_error.101] parse error at line 1, column 3: ...".
    std::string why = e.what();
    if (size_t at = why.find("parse error at "); at != std::string::npos) {
      why.erase(0, at + std::string_view("parse error at ").size());
    }
    throw UsageError(fmt::format("{} is not valid JSON: {}", where, why));
  }
  return text;
}

int finish(CommandContext& ctx, Kernel& kernel, int code) {
  // An abandoned call usually returns within milliseconds of its cancellation (the host kills
  // its subprocesses' process group first): wait briefly so that this happens before we exit.
  for (int i = 0; i < 50 && kernel.runner().stuck_attempts() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (kernel.runner().stuck_attempts() == 0) return code;
  // A plugin ignored cancellation and is still running in an abandoned call: everything is
  // recorded, so end the process instead of waiting for it.
  kernel.runs().sync();
  kernel.telemetry().drain();
  ctx.out.flush();
  ctx.err.flush();
  code = exit_code_after_interrupt(code, ctx.err);
  ctx.err.flush();
  std::fflush(nullptr);
  std::_Exit(code);
}

TaskStatus parse_status_option(const std::string& text) {
  if (auto s = parse_task_status(text)) return *s;
  throw UsageError(
      fmt::format("unknown status '{}': expected one of pending, running, retrying, "
                  "succeeded, failed, timed_out, cancelled, interrupted, skipped",
                  text));
}

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  if (!spdlog::get("agentsys")) configure_logging();
  try {
    return dispatch(argc, argv, out, err);
  } catch (const UsageError& e) {
    fmt::print(err, "agentsys: error: {}\n", e.what());
    return kExitUsageError;
  } catch (const po::error& e) {
    fmt::print(err, "agentsys: error: {} (see --help)\n", e.what());
    return kExitUsageError;
  } catch (const RuntimeError& e) {
    fmt::print(err, "agentsys: error: {}\n", e.what());
    return kExitRuntimeError;
  } catch (const std::exception& e) {
    fmt::print(err, "agentsys: error: {}\n", e.what());
    return kExitRuntimeError;
  }
}

}  // namespace agentsys::cli
