#include "front_matter.hpp"

namespace agentsys::skills {

namespace {

/// The lines of `text` without their line ends (LF or CRLF).
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == text.size()) break;
    start = end + 1;
  }
  return lines;
}

bool is_marker(std::string_view line, std::string_view marker) {
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  return line == marker;
}

std::string join(const std::vector<std::string_view>& lines, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) {
    out.append(lines[i]);
    out.push_back('\n');
  }
  return out;
}

/// A value YAML reads as something other than a plain scalar, or that is already quoted.
bool needs_no_quoting(std::string_view value) {
  if (value.empty()) return true;
  const char c = value.front();
  return c == '"' || c == '\'' || c == '|' || c == '>' || c == '[' || c == '{' || c == '&' ||
         c == '*' || c == '!' || c == '#';
}

std::string double_quoted(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

std::optional<FrontMatter> split_front_matter(std::string_view text, std::string& error) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  const std::vector<std::string_view> lines = split_lines(text);
  if (lines.empty() || !is_marker(lines[0], "---")) {
    error =
        "no front matter: SKILL.md must start with a '---' line, then the YAML fields "
        "(name, description), then a closing '---' line";
    return std::nullopt;
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    if (is_marker(lines[i], "---") || is_marker(lines[i], "...")) {
      FrontMatter fm;
      fm.yaml = join(lines, 1, i);
      fm.yaml_line = 2;
      // The body byte for byte: the lines are views into `text`.
      const size_t end_of_marker =
          static_cast<size_t>(lines[i].data() - text.data()) + lines[i].size();
      const size_t body_start = text.find('\n', end_of_marker);
      fm.body = body_start == std::string_view::npos ? std::string()
                                                     : std::string(text.substr(body_start + 1));
      fm.body_line = static_cast<int>(i) + 2;
      return fm;
    }
  }
  error = "the front matter is not closed: add a '---' line after its last field";
  return std::nullopt;
}

std::string quote_plain_colon_values(std::string_view yaml, std::vector<int>& quoted_lines) {
  const std::vector<std::string_view> lines = split_lines(yaml);
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    const size_t indent = line.find_first_not_of(' ');
    const size_t colon = line.find(": ");
    const bool item = indent != std::string_view::npos && line[indent] == '-';
    if (indent != std::string_view::npos && !item && colon != std::string_view::npos &&
        line[indent] != '#') {
      std::string_view value = line.substr(colon + 2);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      if (!needs_no_quoting(value) &&
          (value.find(": ") != std::string_view::npos || value.back() == ':')) {
        out.append(line.substr(0, colon + 2));
        out.append(double_quoted(value));
        out.push_back('\n');
        quoted_lines.push_back(static_cast<int>(i));
        continue;
      }
    }
    out.append(line);
    if (i + 1 < lines.size()) out.push_back('\n');
  }
  return out;
}

}  // namespace agentsys::skills
