#include "command_args.hpp"

#include <agentsys/plugin.hpp>

#include <boost/program_options.hpp>
#include <charconv>
#include <nlohmann/json.hpp>

namespace agentsys::skills {
namespace po = boost::program_options;

namespace {

[[noreturn]] void usage_error(const std::string& command, const std::string& message) {
  throw Error(AS_ERR_INVALID_INPUT,
              command + ": " + message + " (see agentsys " + command + " --help)");
}

}  // namespace

std::string Args::value(const std::string& name, const std::string& fallback) const {
  auto it = values.find(name);
  return it == values.end() ? fallback : it->second;
}

bool Args::on(const std::string& name) const {
  auto it = switches.find(name);
  return it != switches.end() && it->second;
}

size_t Args::number(const std::string& name, size_t fallback, size_t min, size_t max,
                    const std::string& command) const {
  auto it = values.find(name);
  if (it == values.end()) return fallback;
  size_t n = 0;
  const std::string& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || n < min || n > max) {
    usage_error(command, "--" + name + " expects a whole number in " + std::to_string(min) + ".." +
                             std::to_string(max) + ", got '" + text + "'");
  }
  return n;
}

Args parse_args(const ArgSpec& spec, const std::vector<std::string>& args) {
  po::options_description options;
  options.add_options()("help,h", "");
  for (const std::string& v : spec.valued)
    options.add_options()(v.c_str(), po::value<std::string>());
  for (const std::string& s : spec.switches) options.add_options()(s.c_str(), po::bool_switch());
  po::positional_options_description positional;
  for (const std::string& o : spec.operands) {
    options.add_options()(o.c_str(), po::value<std::string>());
    positional.add(o.c_str(), 1);
  }
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
  } catch (const po::too_many_positional_options_error&) {
    usage_error(spec.command, "too many arguments (quote a text with spaces: \"...\")");
  } catch (const po::error& e) {
    usage_error(spec.command, e.what());
  }
  Args out;
  out.help = vm.count("help") != 0;
  for (const auto& [name, value] : vm) {
    if (name == "help") continue;
    if (value.value().type() == typeid(bool)) {
      out.switches[name] = value.as<bool>();
    } else {
      out.values[name] = value.as<std::string>();
    }
  }
  return out;
}

std::vector<std::string> command_args(std::string_view input_json) {
  const nlohmann::json input = nlohmann::json::parse(input_json, nullptr, false);
  std::vector<std::string> args;
  if (!input.is_object() || !input.contains("args") || !input["args"].is_array()) return args;
  for (const auto& a : input["args"]) {
    if (a.is_string()) args.push_back(a.get<std::string>());
  }
  return args;
}

}  // namespace agentsys::skills
