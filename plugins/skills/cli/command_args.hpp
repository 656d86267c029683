#pragma once
// Parsing the arguments of one `agentsys skills VERB ...` command (Boost.Program_options): its
// valued options, switches and positional operands. A usage error is agentsys::Error
// AS_ERR_INVALID_INPUT naming the command, so the kernel exits 2 with it.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace agentsys::skills {

struct ArgSpec {
  std::string command;                ///< "skills route", for messages
  std::vector<std::string> valued;    ///< option names without "--"
  std::vector<std::string> switches;  ///< e.g. "json"
  std::vector<std::string> operands;  ///< positional names, in order (each optional)
};

struct Args {
  std::map<std::string, std::string> values;  ///< valued options and operands given
  std::map<std::string, bool> switches;
  bool help = false;

  [[nodiscard]] std::string value(const std::string& name, const std::string& fallback = "") const;
  [[nodiscard]] bool on(const std::string& name) const;
  /// A whole number in [min, max], or `fallback` when not given.
  [[nodiscard]] size_t number(const std::string& name, size_t fallback, size_t min, size_t max,
                              const std::string& command) const;
};

Args parse_args(const ArgSpec& spec, const std::vector<std::string>& args);

/// The "args" of a command call's input ({"noun", "verb", "args": [...]}).
std::vector<std::string> command_args(std::string_view input_json);

}  // namespace agentsys::skills
