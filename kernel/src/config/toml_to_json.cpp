#include "config/toml_to_json.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <cmath>
#include <fstream>
#include <sstream>

namespace agentsys::config {
namespace {

SourcePos pos_of(const toml::source_region& region) {
  return {static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

template <typename T>
std::string text_of(const T& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

nlohmann::json convert(const toml::node& node, const std::string& pointer, SourceMap& positions);

nlohmann::json convert_table(const toml::table& table, const std::string& pointer,
                             SourceMap& positions) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : table) {
    std::string child = pointer_append(pointer, key.str());
    nlohmann::json converted = convert(value, child, positions);
    // A setting is located at its key; a table at its header ("[a.b]", column 1). Implicit
    // tables (`a` in `[a.b]`) have no position of their own and fall back to the key.
    SourcePos key_pos = pos_of(key.source());
    SourcePos value_pos = pos_of(value.source());
    bool at_value = value.is_table() && value_pos.line > 0;
    positions.set(child, at_value || key_pos.line == 0 ? value_pos : key_pos);
    out[std::string(key.str())] = std::move(converted);
  }
  return out;
}

nlohmann::json convert(const toml::node& node, const std::string& pointer, SourceMap& positions) {
  switch (node.type()) {
    case toml::node_type::table: return convert_table(*node.as_table(), pointer, positions);
    case toml::node_type::array: {
      nlohmann::json out = nlohmann::json::array();
      const toml::array& array = *node.as_array();
      for (size_t i = 0; i < array.size(); ++i) {
        std::string child = pointer_append(pointer, std::to_string(i));
        out.push_back(convert(array[i], child, positions));
        positions.set(child, pos_of(array[i].source()));
      }
      return out;
    }
    case toml::node_type::string: return node.as_string()->get();
    case toml::node_type::integer: return node.as_integer()->get();
    case toml::node_type::floating_point: {
      double d = node.as_floating_point()->get();
      // JSON has no inf or nan: keep TOML's spelling rather than silently writing null.
      if (!std::isfinite(d)) return std::isnan(d) ? "nan" : (d > 0 ? "inf" : "-inf");
      return d;
    }
    case toml::node_type::boolean: return node.as_boolean()->get();
    case toml::node_type::date: return text_of(node.as_date()->get());
    case toml::node_type::time: return text_of(node.as_time()->get());
    case toml::node_type::date_time: return text_of(node.as_date_time()->get());
    case toml::node_type::none: break;
  }
  return nullptr;
}

}  // namespace

ParsedToml parse_toml(std::string_view text, const std::string& display_name) {
  ParsedToml out;
  try {
    toml::table table = toml::parse(text, display_name);
    out.document = convert_table(table, "", out.positions);
    out.ok = true;
  } catch (const toml::parse_error& e) {
    out.error.file = display_name;
    out.error.line = static_cast<int>(e.source().begin.line);
    out.error.column = static_cast<int>(e.source().begin.column);
    out.error.rule = "toml.syntax";
    out.error.message = fmt::format("malformed TOML: {}", e.description());
  }
  return out;
}

ParsedToml parse_toml_file(const std::filesystem::path& file, const std::string& display_name) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream buf;
  if (in) buf << in.rdbuf();
  if (!in) {
    ParsedToml out;
    out.error = {display_name, 0, 0, "", "file.read", "cannot read the file"};
    return out;
  }
  return parse_toml(buf.str(), display_name);
}

std::optional<nlohmann::json> parse_toml_value(std::string_view text) {
  // A value is only a value when `v = TEXT` is exactly one key: "1\nx = 2" is not.
  ParsedToml parsed = parse_toml(fmt::format("v = {}\n", text), "--set");
  if (!parsed.ok || parsed.document.size() != 1) return std::nullopt;
  return parsed.document["v"];
}

}  // namespace agentsys::config
