// hello_v2: the hello domain's V2 side (see hello_domain.hpp), with `agentsys hello list`.
#include "hello_domain.hpp"

class HelloV2 : public hello::Greeter {
 public:
  HelloV2(agentsys::Host /*host*/, std::string_view config) : Greeter(config) {}

  /// `agentsys hello list [--json]`: the configured greetings.
  agentsys::CommandResult command(const agentsys::Call& call) {
    const hello::json in = hello::json::parse(call.input());
    bool as_json = false;
    const hello::json args = in.value("args", hello::json::array());  // outlives the loop
    for (const auto& arg : args) {
      if (arg == "--json") {
        as_json = true;
      } else if (arg == "--help" || arg == "-h") {
        return {"Usage: agentsys hello list [--json]\n\nList the configured greetings.\n", "", 0};
      } else {
        throw agentsys::Error(AS_ERR_INVALID_INPUT,
                              "hello list: unknown argument " + arg.dump() + " (see --help)");
      }
    }
    if (as_json) return {hello::json(greetings_).dump() + "\n", "", 0};
    std::string out;
    for (const auto& [name, text] : greetings_) out += name + ": " + text + "\n";
    return {out, "", 0};
  }
};

AS_PLUGIN_ENTRY(HelloV2, .name = "hello_v2", .version = "2.0.0",
                .description = "hello domain, V2 side", .kind = AS_PLUGIN_KIND_DOMAIN,
                .impl = AS_IMPL_V2, .modules = {"hello"}, .thread_safe = true,
                .config_folders = {{"hello", hello::kGreetingSchema}},
                .commands = {{"hello", "list", "agentsys hello list [--json]",
                              "List the hello domain's greetings."}})
