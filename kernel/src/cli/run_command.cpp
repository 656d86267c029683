// agentsys run MODULE
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"
#include "host/call_frame.hpp"
#include "host/status_names.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
using json = nlohmann::ordered_json;

int run_task(CommandContext& ctx) {
  std::string module;
  std::string action = "run";
  std::string input = "{}";
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()                                                                   //
      ("module", po::value<std::string>(&module), "the module id")                     //
      ("action", po::value<std::string>(&action)->default_value("run"), "the action")  //
      ("input", po::value<std::string>(&input)->default_value("{}"),
       "task input: inline JSON, or @FILE to read it from a file")  //
      ("json", po::bool_switch(&as_json), "print the result as JSON");
  po::positional_options_description pos;
  pos.add("module", 1);
  if (!ctx.parse(desc, pos)) return 0;
  if (module.empty()) throw UsageError("run: missing MODULE (usage: " + ctx.usage + ")");
  if (action.empty()) throw UsageError("run: --action must not be empty");
  input = read_json_argument("input", input);

  std::unique_ptr<Kernel> kernel = ctx.make_kernel();
  if (!kernel->registry().binding(module)) {
    throw UsageError(
        fmt::format("run: unknown module '{}': no loaded plugin serves it (see "
                    "'agentsys module list')",
                    module));
  }
  CallSpec spec;
  spec.module = module;
  spec.action = action;
  spec.input_json = input;
  CallFrame frame(spec);
  Invocation inv = kernel->registry().invoke(frame);

  bool ok = inv.outcome.status == AS_OK;
  json output;
  if (ok) {
    try {
      output = json::parse(inv.outcome.output);
    } catch (const json::parse_error& e) {
      ok = false;
      inv.outcome.status = AS_ERR_INTERNAL;
      inv.outcome.error = fmt::format("plugin returned malformed JSON: {}", e.what());
    }
  }
  std::string via =
      fmt::format("{} via {} ({} {})", module, to_string(inv.impl), inv.plugin, inv.plugin_version);
  if (as_json) {
    json doc{{"module", module},
             {"action", action},
             {"impl", inv.impl == AS_IMPL_NONE ? json(nullptr) : json(to_string(inv.impl))},
             {"plugin", inv.plugin},
             {"plugin_version", inv.plugin_version},
             {"status", ok ? "succeeded" : "failed"},
             {"error_code", ok ? json(nullptr) : json(status_name(inv.outcome.status))},
             {"message", ok ? json(nullptr) : json(inv.outcome.error)},
             {"latency_ms", inv.latency_ms},
             {"output", output}};
    ctx.out << doc.dump(2) << "\n";
  } else if (ok) {
    fmt::print(ctx.out, "{}: succeeded in {:.3f} ms\n{}\n", via, inv.latency_ms, output.dump(2));
  }
  if (!ok) {
    fmt::print(ctx.err, "agentsys: error: {}: failed ({}): {}\n", via,
               status_name(inv.outcome.status), inv.outcome.error);
    return 1;
  }
  return 0;
}

}  // namespace agentsys::cli
