#include "skill_parser.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include "front_matter.hpp"
#include "parallel.hpp"

namespace agentsys::skills {
namespace fs = std::filesystem;

namespace {

constexpr size_t kNameMax = 64;
constexpr size_t kDescriptionMax = 1024;
constexpr size_t kCompatibilityMax = 500;

/// What parsing one file collects; `line_of` turns a YAML mark into a file line.
class SkillReader {
 public:
  SkillReader(const fs::path& file, int yaml_line) : file_(file.string()), yaml_line_(yaml_line) {}

  void add(const YAML::Mark& mark, std::string field, std::string message,
           Severity severity = Severity::error) {
    add_at(line_of(mark), std::move(field), std::move(message), severity);
  }
  void add_at(int line, std::string field, std::string message,
              Severity severity = Severity::error) {
    findings_.push_back({file_, line, std::move(field), std::move(message), severity});
  }
  [[nodiscard]] int line_of(const YAML::Mark& mark) const {
    return mark.line < 0 ? yaml_line_ : yaml_line_ + mark.line;
  }
  std::vector<Finding>& findings() { return findings_; }

 private:
  std::string file_;
  int yaml_line_;
  std::vector<Finding> findings_;
};

/// A field's value as a string, or nullopt (with an error) when it is not a scalar.
std::optional<std::string> scalar(SkillReader& r, const YAML::Node& key, const YAML::Node& value,
                                  const std::string& field) {
  if (value.IsScalar()) return value.Scalar();
  if (value.IsNull()) {
    r.add(key.Mark(), field, "has no value");
  } else {
    r.add(value.Mark(), field,
          "must be a string, not a " + std::string(value.IsMap() ? "mapping" : "list"));
  }
  return std::nullopt;
}

void check_name(SkillReader& r, const YAML::Node& key, const std::string& name,
                const std::string& folder) {
  static const std::regex kName("^[a-z0-9]+(-[a-z0-9]+)*$");
  if (name.empty()) {
    r.add(key.Mark(), "name", "must not be empty (1-64 characters of a-z, 0-9 and '-')");
    return;
  }
  if (!std::regex_match(name, kName)) {
    std::string why = "must be lowercase letters a-z, digits and single hyphens";
    if (name.front() == '-' || name.back() == '-') why = "must not start or end with a hyphen";
    if (name.find("--") != std::string::npos) why = "must not hold two hyphens in a row";
    r.add(key.Mark(), "name", "'" + name + "' " + why);
  }
  if (name.size() > kNameMax) {
    r.add(key.Mark(), "name",
          "is " + std::to_string(name.size()) + " characters (at most 64); loaded anyway",
          Severity::warning);
  }
  if (name != folder) {
    r.add(key.Mark(), "name",
          "'" + name + "' differs from its folder '" + folder +
              "' (the spec wants them equal: rename one); loaded anyway",
          Severity::warning);
  }
}

void read_metadata(SkillReader& r, const YAML::Node& key, const YAML::Node& value, Skill& s) {
  if (!value.IsMap()) {
    r.add(value.IsNull() ? key.Mark() : value.Mark(), "metadata",
          "must be a mapping of string keys to string values");
    return;
  }
  for (const auto& entry : value) {
    const std::string k = entry.first.IsScalar() ? entry.first.Scalar() : std::string("?");
    if (!entry.first.IsScalar() || !entry.second.IsScalar()) {
      r.add(entry.second.Mark(), "metadata." + k,
            "must be a string (metadata maps string keys to string values)");
      continue;
    }
    s.metadata.emplace(k, entry.second.Scalar());
  }
}

void read_allowed_tools(SkillReader& r, const YAML::Node& value, Skill& s) {
  if (value.IsSequence()) {
    for (const auto& item : value) {
      if (item.IsScalar()) s.allowed_tools.push_back(item.Scalar());
    }
    r.add(value.Mark(), "allowed-tools",
          "is a list; the spec wants one space-separated string (read as the list's items)",
          Severity::warning);
    return;
  }
  if (!value.IsScalar()) {
    r.add(value.Mark(), "allowed-tools", "must be a space-separated string of tool names");
    return;
  }
  std::istringstream words(value.Scalar());
  for (std::string w; words >> w;) s.allowed_tools.push_back(w);
}

/// Characters (code points) in UTF-8 text: the spec's limits are in characters, and a
/// description in Chinese takes three bytes a character (counting bytes rejected a
/// 400-character Chinese description as "1200 characters").
size_t utf8_length(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // not a continuation byte
  }));
}

void check_length(SkillReader& r, const YAML::Node& key, const std::string& field,
                  const std::string& value, size_t max) {
  const size_t length = utf8_length(value);
  if (value.empty()) {
    r.add(key.Mark(), field, "must not be empty (1-" + std::to_string(max) + " characters)");
  } else if (length > max) {
    r.add(key.Mark(), field,
          "is " + std::to_string(length) + " characters; at most " + std::to_string(max));
  }
}

/// Reads one top-level field into `s`; false for a field the spec does not define.
void read_field(SkillReader& r, const YAML::Node& key, const YAML::Node& value, Skill& s,
                const std::string& folder) {
  const std::string field = key.Scalar();
  if (field == "metadata") return read_metadata(r, key, value, s);
  if (field == "allowed-tools") return read_allowed_tools(r, value, s);
  if (field != "name" && field != "description" && field != "license" && field != "compatibility") {
    r.add(key.Mark(), field,
          "is not a field of the Agent Skills spec (name, description, license, compatibility, "
          "metadata, allowed-tools); ignored",
          Severity::warning);
    return;
  }
  std::optional<std::string> text = scalar(r, key, value, field);
  if (!text) return;
  if (field == "name") {
    s.name = *text;
    check_name(r, key, s.name, folder);
  } else if (field == "description") {
    s.description = *text;
    check_length(r, key, field, s.description, kDescriptionMax);
  } else if (field == "license") {
    s.license = *text;
  } else {
    s.compatibility = *text;
    check_length(r, key, field, s.compatibility, kCompatibilityMax);
  }
}

/// Loads the front matter, quoting plain values with ": " when strict YAML fails.
std::optional<YAML::Node> load_yaml(SkillReader& r, const FrontMatter& fm) {
  try {
    return YAML::Load(fm.yaml);
  } catch (const YAML::Exception& strict) {
    std::vector<int> quoted;
    const std::string repaired = quote_plain_colon_values(fm.yaml, quoted);
    if (!quoted.empty()) {
      try {
        YAML::Node node = YAML::Load(repaired);
        for (int line : quoted) {
          r.add_at(fm.yaml_line + line, "yaml",
                   "a value holds ': ' without quotes (not valid YAML); read as plain text: "
                   "quote it",
                   Severity::warning);
        }
        return node;
      } catch (const YAML::Exception&) {
        // Report the strict error: it is the one the author has to fix.
      }
    }
    r.add(strict.mark, "yaml", "the front matter is not valid YAML: " + strict.msg);
    return std::nullopt;
  }
}

}  // namespace

namespace {

/// Each folder's SKILL.md parsed (nullopt: the folder has none), several at a time.
std::vector<std::optional<ParsedSkill>> parse_folders(const std::vector<fs::path>& dirs) {
  std::vector<std::optional<ParsedSkill>> out(dirs.size());
  for_each_index(dirs.size(), [&](size_t i) {
    std::error_code ec;
    if (fs::exists(dirs[i] / "SKILL.md", ec)) out[i] = read_skill(dirs[i]);
  });
  return out;
}

}  // namespace

ParsedSkill parse_skill(const fs::path& skill_md, std::string_view text) {
  ParsedSkill out;
  std::string error;
  std::optional<FrontMatter> fm = split_front_matter(text, error);
  SkillReader r(skill_md, fm ? fm->yaml_line : 1);
  if (!fm) {
    r.add_at(1, "file", error);
    out.findings = std::move(r.findings());
    return out;
  }
  std::optional<YAML::Node> root = load_yaml(r, *fm);
  if (root && !root->IsMap()) {
    r.add_at(fm->yaml_line, "yaml", "the front matter must be a mapping of fields (name: ...)");
    root.reset();
  }
  Skill s;
  const std::string folder = skill_md.parent_path().filename().string();
  std::set<std::string> seen;
  bool has_name = false;
  bool has_description = false;
  if (root) {
    for (const auto& entry : *root) {
      if (!entry.first.IsScalar()) continue;
      const std::string field = entry.first.Scalar();
      if (!seen.insert(field).second) {
        r.add(entry.first.Mark(), field, "appears twice; the first is used", Severity::warning);
        continue;
      }
      if (field == "name") out.name_line = r.line_of(entry.first.Mark());
      has_name |= field == "name";
      has_description |= field == "description";
      read_field(r, entry.first, entry.second, s, folder);
    }
    if (!has_name) r.add_at(fm->yaml_line, "name", "is required (the skill's folder name)");
    if (!has_description) {
      r.add_at(fm->yaml_line, "description",
               "is required: what the skill does and when to use it (1-1024 characters)");
    }
  }
  s.file = skill_md;
  s.dir = skill_md.parent_path();
  s.body_line = fm->body_line;
  out.findings = std::move(r.findings());
  if (root && !has_error(out.findings)) {
    out.skill = std::move(s);
    out.body = std::move(fm->body);
  }
  return out;
}

ParsedSkill read_skill(const fs::path& dir) {
  const fs::path file = dir / "SKILL.md";
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    ParsedSkill out;
    out.findings.push_back({file.string(), 0, "file",
                            "cannot be read: a skill folder holds SKILL.md", Severity::error});
    return out;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_skill(fs::absolute(file), text.str());
}

Catalog scan_skills(const fs::path& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    throw std::runtime_error("skills folder '" + root.string() +
                             "' is not a folder (set skills_dir in config/skills/router.toml "
                             "or pass --skills-dir DIR)");
  }
  std::vector<fs::path> dirs;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string leaf = it->path().filename().string();
    if (leaf.empty() || leaf[0] == '.' || !it->is_directory(ec)) continue;
    dirs.push_back(fs::absolute(it->path()));
  }
  if (ec) throw std::runtime_error("skills folder '" + root.string() + "': " + ec.message());
  std::sort(dirs.begin(), dirs.end());
  Catalog unsorted;
  std::set<std::string> names;
  std::vector<std::optional<ParsedSkill>> parsed_all = parse_folders(dirs);
  for (size_t i = 0; i < dirs.size(); ++i) {
    const fs::path& dir = dirs[i];
    if (!parsed_all[i]) {
      unsorted.findings.push_back(
          {dir.string(), 0, "file", "has no SKILL.md: not a skill (skipped)", Severity::warning});
      continue;
    }
    ParsedSkill& parsed = *parsed_all[i];
    for (Finding& f : parsed.findings) unsorted.findings.push_back(std::move(f));
    if (!parsed.skill) {
      ++unsorted.invalid;
      continue;
    }
    if (!names.insert(parsed.skill->name).second) {
      // Located at the file's `name:` line (not a fixed line 2: fields come in any order).
      unsorted.findings.push_back(
          {parsed.skill->file.string(), parsed.name_line, "name",
           "'" + parsed.skill->name + "' is already the name of an earlier skill; skipped",
           Severity::warning});
      continue;
    }
    unsorted.skills.push_back(std::move(*parsed.skill));
    unsorted.bodies.push_back(std::move(parsed.body));
  }
  // Name order (folders sort by path, which differs when a name is not its folder's).
  std::vector<size_t> order(unsorted.skills.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return unsorted.skills[a].name < unsorted.skills[b].name; });
  Catalog catalog;
  catalog.findings = std::move(unsorted.findings);
  catalog.invalid = unsorted.invalid;
  for (size_t i : order) {
    catalog.skills.push_back(std::move(unsorted.skills[i]));
    catalog.bodies.push_back(std::move(unsorted.bodies[i]));
  }
  return catalog;
}

}  // namespace agentsys::skills
