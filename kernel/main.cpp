// agentsys: the AgentSystem V2 kernel's command line.
#include <iostream>

#include "cli/cli.hpp"
#include "cli/interrupt.hpp"

int main(int argc, char** argv) {
  agentsys::cli::handle_interrupts();
  const int code = agentsys::cli::run(argc, argv, std::cout, std::cerr);
  return agentsys::cli::exit_code_after_interrupt(code, std::cerr);
}
