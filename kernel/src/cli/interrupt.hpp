#pragma once
// SIGINT and SIGTERM for the agentsys executable. The first signal stops the work in hand:
// every attempt in progress is cancelled (its host subprocesses killed, as at a timeout) and
// recorded `cancelled` with the signal's name, runs not yet started stay recorded for
// recovery, and the command ends with 130 (SIGINT) or 143 (SIGTERM) and one line saying what
// was interrupted. A second signal ends the process at once.
#include <ostream>

namespace agentsys::cli {

/// Blocks both signals in every thread the process will start and waits for them on a thread
/// of its own. Call first thing in main(), before any other thread exists.
void handle_interrupts();

/// The signal that interrupted the process, or 0.
int interrupted_by();

/// `code`, or when a signal interrupted the command: prints the line and returns 128 + signal.
int exit_code_after_interrupt(int code, std::ostream& err);

}  // namespace agentsys::cli
