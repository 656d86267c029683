#pragma once
// The `agentsys` command line: `agentsys [GLOBAL OPTIONS] NOUN [VERB] [OPTIONS]`.
#include <iosfwd>

namespace agentsys::cli {

/// Exit codes, documented in docs/cli.md and `agentsys --help`.
enum ExitCode : int {
  kExitOk = 0,
  kExitRuntimeError = 1,  ///< The command was valid but failed (a plugin error, I/O, ...).
  kExitUsageError = 2,    ///< Bad arguments or input; nothing was done.
};

/// Runs the CLI; never throws. `out` gets results, `err` diagnostics.
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace agentsys::cli
