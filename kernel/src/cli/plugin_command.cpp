// Commands plugins add through the seam (ABI 1.3 on_command): `agentsys NOUN VERB ARGS...`.
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/cli.hpp"
#include "cli/command.hpp"
#include "host/call_frame.hpp"
#include "plugin/plugin_paths.hpp"
#include "task/ids.hpp"

namespace agentsys::cli {
using json = nlohmann::json;

std::vector<DeclaredCommand> plugin_commands(const GlobalOptions& global) {
  PluginSet plugins;
  plugins.load(plugin_search_path(global.plugin_dirs, std::getenv("AGENTSYS_PLUGIN_PATH")));
  return plugins.commands();
}

namespace {

/// A configured kernel when a configuration directory is found (its problems are errors, as
/// for `run`), else one with the plugins only: a command may need no configuration.
std::unique_ptr<Kernel> command_kernel(CommandContext& ctx) {
  try {
    static_cast<void>(config_request(ctx.global));
  } catch (const UsageError&) {
    return ctx.make_kernel(false, false, false);
  }
  return ctx.make_kernel(false, true, false);
}

std::shared_ptr<PluginInstance> find_instance(Kernel& kernel, const std::string& plugin) {
  for (const auto& p : kernel.registry().plugins()) {
    if (p->descriptor().name == plugin) return p;
  }
  return nullptr;
}

}  // namespace

int run_plugin_command(CommandContext& ctx, const std::string& plugin, const std::string& noun,
                       const std::string& verb) {
  std::unique_ptr<Kernel> kernel = command_kernel(ctx);
  std::shared_ptr<PluginInstance> instance = find_instance(*kernel, plugin);
  if (!instance) {
    throw RuntimeError(fmt::format("plugin '{}', which serves 'agentsys {} {}', did not start",
                                   plugin, noun, verb));
  }
  // The host's side-effect services exist only under a configured policy.
  if (kernel->options().policy_config) kernel->runner();
  const KernelOptions& o = kernel->options();
  // `--help` is read as a global option: hand it on, the plugin prints its own help.
  std::vector<std::string> args = ctx.args;
  if (ctx.global.help) args.emplace_back("--help");
  const json input = {{"noun", noun},
                      {"verb", verb},
                      {"args", args},
                      {"env", ctx.global.env},
                      {"config_dir", o.config_dir.string()},
                      {"state_dir", o.host.state_dir.string()}};
  const std::string input_text = input.dump();
  const std::string action = verb.empty() ? noun : noun + " " + verb;
  const std::string trace = new_trace_id();
  CallSpec spec;
  spec.action = action;
  spec.input_json = input_text;
  spec.trace_id = trace;
  CallFrame frame(spec);
  int exit_code = kExitOk;
  InvokeOutcome outcome = instance->command(frame, exit_code);
  ctx.out << outcome.output;
  if (outcome.status == AS_OK) {
    ctx.err << outcome.error;
    return exit_code;
  }
  std::string why = outcome.error.empty()
                        ? fmt::format("'agentsys {}' failed with status {}", action, outcome.status)
                        : outcome.error;
  while (!why.empty() && why.back() == '\n') why.pop_back();
  if (outcome.status == AS_ERR_INVALID_INPUT) throw UsageError(why);
  throw RuntimeError(why);
}

}  // namespace agentsys::cli
