#pragma once
// The plugin host process: loads one plugin and serves the kernel's requests for it over the
// socket it was given, forwarding the plugin's host-service calls back to the kernel.
// `agentsys-plugin-host` is this function; the kernel starts it (isolation/plugin_process.hpp).

namespace agentsys {

/// Runs the plugin host; returns the process exit status. Arguments: see `--help`.
int plugin_host_main(int argc, char** argv);

}  // namespace agentsys
