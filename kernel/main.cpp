// agentsys: the AgentSystem V2 kernel's command line.
#include <iostream>

#include "cli/cli.hpp"

int main(int argc, char** argv) { return agentsys::cli::run(argc, argv, std::cout, std::cerr); }
