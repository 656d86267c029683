#pragma once
// Splitting a SKILL.md into its YAML front matter and its Markdown body, and the lenient
// re-reading the Agent Skills client guide recommends for files other clients accept: a plain
// value holding ": " ("description: Use when: ...") is not valid YAML, so it is quoted and
// the front matter parsed again (the caller warns about each line it quoted).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentsys::skills {

struct FrontMatter {
  std::string yaml;   ///< the lines between the two `---` lines
  int yaml_line = 0;  ///< the file line of yaml's first line (1-based)
  std::string body;   ///< everything after the closing `---` line
  int body_line = 0;  ///< the file line of the body's first line
};

/// Splits `text`; nullopt with `error` set when there is no front matter or it is not closed.
/// A UTF-8 byte order mark and CRLF line ends are accepted.
std::optional<FrontMatter> split_front_matter(std::string_view text, std::string& error);

/// `yaml` with every plain `key: value` whose value holds ": " (or ends in ":") double-quoted;
/// `quoted_lines` gets the 0-based lines changed. Block scalars, quoted and flow values and
/// sequence items are left alone.
std::string quote_plain_colon_values(std::string_view yaml, std::vector<int>& quoted_lines);

}  // namespace agentsys::skills
