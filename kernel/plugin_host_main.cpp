// agentsys-plugin-host: one plugin in a process of its own, started by the kernel for modules
// with isolation = "process" (docs/isolation.md).
#include "isolation/plugin_host.hpp"

int main(int argc, char** argv) { return agentsys::plugin_host_main(argc, argv); }
