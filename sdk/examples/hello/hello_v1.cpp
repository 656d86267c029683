// hello_v1: the hello domain's V1 side (see hello_domain.hpp).
#include "hello_domain.hpp"

class HelloV1 : public hello::Greeter {
 public:
  HelloV1(agentsys::Host /*host*/, std::string_view config) : Greeter(config) {}
};

AS_PLUGIN_ENTRY(HelloV1, .name = "hello_v1", .version = "1.0.0",
                .description = "hello domain, V1 side", .kind = AS_PLUGIN_KIND_DOMAIN,
                .impl = AS_IMPL_V1, .modules = {"hello"}, .thread_safe = true,
                .config_folders = {{"hello", hello::kGreetingSchema}})
