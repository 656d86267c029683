#include "config/config_overrides.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "config/source_map.hpp"
#include "config/toml_to_json.hpp"

namespace agentsys::config {

namespace {

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

}  // namespace

Override parse_override(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return std::invalid_argument(fmt::format(
        "--set '{}': {} (expected KEY=VALUE, KEY a dotted path such as runner.max_concurrency)",
        text, why));
  };
  size_t eq = text.find('=');
  if (eq == std::string_view::npos) throw fail("no '='");
  Override o;
  o.key = std::string(text.substr(0, eq));
  if (o.key.empty()) throw fail("empty KEY");
  size_t start = 0;
  while (start <= o.key.size()) {
    size_t dot = o.key.find('.', start);
    if (dot == std::string::npos) dot = o.key.size();
    std::string_view part = std::string_view(o.key).substr(start, dot - start);
    if (part.empty()) throw fail("empty part in KEY");
    for (char c : part) {
      if (!is_key_char(c)) throw fail(fmt::format("KEY may hold only A-Z a-z 0-9 _ - and dots"));
    }
    o.pointer = pointer_append(o.pointer, part);
    start = dot + 1;
  }
  std::string_view value = text.substr(eq + 1);
  o.value = parse_toml_value(value).value_or(nlohmann::json(std::string(value)));
  return o;
}

nlohmann::json overrides_document(const std::vector<Override>& overrides) {
  nlohmann::json doc = nlohmann::json::object();
  for (const Override& o : overrides) {
    // A later --set below a scalar an earlier one set replaces that scalar with a table.
    nlohmann::json* node = &doc;
    size_t start = 0;
    for (size_t dot = 0; dot != std::string::npos; start = dot + 1) {
      dot = o.key.find('.', start);
      if (!node->is_object()) *node = nlohmann::json::object();
      node = &(*node)[o.key.substr(start, dot == std::string::npos ? dot : dot - start)];
    }
    *node = o.value;
  }
  return doc;
}

}  // namespace agentsys::config
