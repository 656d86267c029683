#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "command_args.hpp"
#include "skill_parser.hpp"
#include "skills_commands.hpp"
#include "skills_json.hpp"

namespace agentsys::skills {
using json = nlohmann::json;

namespace {

constexpr const char* kListUsage = "agentsys skills list [--skills-dir DIR] [--json]";
constexpr const char* kShowUsage = "agentsys skills show NAME [--skills-dir DIR] [--json]";
constexpr const char* kLintUsage = "agentsys skills lint [DIR] [--strict] [--json]";

constexpr const char* kListHelp =
    "Usage: agentsys skills list [--skills-dir DIR] [--json]\n\n"
    "List the skills of a skills folder (Agent Skills format: DIR/NAME/SKILL.md) with their\n"
    "descriptions. A skill with an error is skipped, with one line on stderr saying why.\n\n"
    "Options:\n"
    "  --skills-dir DIR   the skills folder (default: the module's config.skills_dir)\n"
    "  --json             print {\"skills_dir\", \"skills\": [...], \"skipped\": [...]}\n"
    "  -h, --help         show this help\n";

constexpr const char* kShowHelp =
    "Usage: agentsys skills show NAME [--skills-dir DIR] [--json]\n\n"
    "Show one skill: its front matter, its files (scripts/, references/, assets/) and its\n"
    "Markdown body, read now.\n\n"
    "Options:\n"
    "  --skills-dir DIR   the skills folder (default: the module's config.skills_dir)\n"
    "  --json             print the skill as JSON, body included\n"
    "  -h, --help         show this help\n";

constexpr const char* kLintHelp =
    "Usage: agentsys skills lint [DIR] [--strict] [--json]\n\n"
    "Check every skill under DIR against the Agent Skills specification and print each problem\n"
    "as FILE:LINE: FIELD: message. Exit 0 when every skill is valid (warnings allowed), 1 when\n"
    "any is invalid (or, with --strict, when there is any warning).\n\n"
    "Options:\n"
    "  DIR                the skills folder (default: the module's config.skills_dir)\n"
    "  --strict           warnings fail too (a name that differs from its folder, an unknown\n"
    "                     field, an unquoted ': ' in a value)\n"
    "  --json             print {\"dir\", \"skills\", \"valid\", \"invalid\", \"warnings\", "
    "\"findings\"}\n"
    "  -h, --help         show this help\n";

std::string one_line(std::string text, size_t width) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (text.size() <= width) return text;
  size_t cut = width - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return text.substr(0, cut) + "...";
}

/// One stderr line per skipped skill: its first error.
std::string skipped_lines(const std::vector<Finding>& findings) {
  std::string out;
  std::string last_file;
  for (const Finding& f : findings) {
    if (f.severity != Severity::error || f.file == last_file) continue;
    out += fmt::format("skipped {}: {}: {}\n", f.file, f.field, f.message);
    last_file = f.file;
  }
  return out;
}

CommandResult list(SkillsFolders& folders, const Call& call, const Args& args) {
  const auto state = folders.catalog(call, args.value("skills-dir"));
  const auto& skills = state->router->index().skills();
  if (args.on("json")) {
    json doc{{"skills_dir", folders.folder(call, args.value("skills-dir"))},
             {"skills", json::array()},
             {"skipped", json::array()}};
    for (const Skill& s : skills) doc["skills"].push_back(skill_json(s));
    for (const Finding& f : state->findings) {
      if (f.severity == Severity::error) doc["skipped"].push_back(finding_json(f));
    }
    return {doc.dump(2) + "\n", "", 0};
  }
  size_t width = 4;
  for (const Skill& s : skills) width = std::max(width, s.name.size());
  std::string out = fmt::format("{:<{}}  {}\n", "NAME", width, "DESCRIPTION");
  for (const Skill& s : skills) {
    out += fmt::format("{:<{}}  {}\n", s.name, width, one_line(s.description, 90));
  }
  out += fmt::format("{} skill(s)", skills.size());
  if (state->invalid > 0) {
    out += fmt::format(", {} skipped (agentsys skills lint {})", state->invalid,
                       folders.folder(call, args.value("skills-dir")));
  }
  return {out + "\n", skipped_lines(state->findings), 0};
}

CommandResult show(SkillsFolders& folders, const Call& call, const Args& args) {
  const std::string name = args.value("name");
  if (name.empty())
    throw Error(AS_ERR_INVALID_INPUT,
                "skills show: NAME is required (see agentsys skills show --help)");
  const auto state = folders.catalog(call, args.value("skills-dir"));
  const auto& skills = state->router->index().skills();
  auto it =
      std::find_if(skills.begin(), skills.end(), [&](const Skill& s) { return s.name == name; });
  if (it == skills.end()) {
    throw Error(AS_ERR_NOT_FOUND, "skills show: no skill '" + name +
                                      "' in the folder (agentsys skills list shows the names)");
  }
  const std::string body = read_body(*it);
  const std::vector<std::string> files = resource_files(*it);
  if (args.on("json")) {
    json doc = skill_json(*it);
    doc["files"] = files;
    doc["body"] = body;
    return {doc.dump(2) + "\n", "", 0};
  }
  std::string out = fmt::format("name:          {}\ndescription:   {}\npath:          {}\n",
                                it->name, one_line(it->description, 1024), it->file.string());
  if (!it->license.empty()) out += fmt::format("license:       {}\n", it->license);
  if (!it->compatibility.empty()) out += fmt::format("compatibility: {}\n", it->compatibility);
  for (const auto& [k, v] : it->metadata) out += fmt::format("metadata:      {} = {}\n", k, v);
  if (!it->allowed_tools.empty()) {
    out += "allowed-tools:";
    for (const std::string& t : it->allowed_tools) out += " " + t;
    out += "\n";
  }
  for (const std::string& f : files) out += fmt::format("file:          {}\n", f);
  return {out + "\n" + body, "", 0};
}

CommandResult lint(SkillsFolders& folders, const Call& call, const Args& args) {
  const std::string dir = folders.folder(call, args.value("dir"));
  Catalog catalog;
  try {
    catalog = scan_skills(dir);
  } catch (const std::runtime_error& e) {
    throw Error(AS_ERR_INVALID_INPUT, std::string("skills lint: ") + e.what());
  }
  size_t warnings = 0;
  for (const Finding& f : catalog.findings) warnings += f.severity == Severity::warning ? 1 : 0;
  const size_t valid = catalog.skills.size();
  const bool failed = catalog.invalid > 0 || (args.on("strict") && warnings > 0);
  const int exit_code = failed ? 1 : 0;
  if (args.on("json")) {
    json doc{{"dir", dir},           {"skills", valid + catalog.invalid},
             {"valid", valid},       {"invalid", catalog.invalid},
             {"warnings", warnings}, {"findings", json::array()}};
    for (const Finding& f : catalog.findings) doc["findings"].push_back(finding_json(f));
    return {doc.dump(2) + "\n", "", exit_code};
  }
  std::string out;
  for (const Finding& f : catalog.findings) out += f.text() + "\n";
  out += fmt::format("{} skill(s): {} valid, {} invalid, {} warning(s)\n", valid + catalog.invalid,
                     valid, catalog.invalid, warnings);
  return {out, "", exit_code};
}

}  // namespace

std::vector<Command> catalog_commands() {
  return {
      {"skills", "list", kListUsage, "List the skills of a skills folder with their descriptions."},
      {"skills", "show", kShowUsage, "Show one skill: front matter, files and body."},
      {"skills", "lint", kLintUsage,
       "Check skills against the Agent Skills spec (FILE:LINE: FIELD: message)."}};
}

CommandResult run_catalog_command(SkillsFolders& folders, const Call& call) {
  const std::string action(call.action());
  const std::vector<std::string> argv = command_args(call.input());
  if (action == "skills list") {
    Args a = parse_args({"skills list", {"skills-dir"}, {"json"}, {}}, argv);
    return a.help ? CommandResult{kListHelp, "", 0} : list(folders, call, a);
  }
  if (action == "skills show") {
    Args a = parse_args({"skills show", {"skills-dir"}, {"json"}, {"name"}}, argv);
    return a.help ? CommandResult{kShowHelp, "", 0} : show(folders, call, a);
  }
  if (action == "skills lint") {
    Args a = parse_args({"skills lint", {}, {"json", "strict"}, {"dir"}}, argv);
    return a.help ? CommandResult{kLintHelp, "", 0} : lint(folders, call, a);
  }
  throw Error(AS_ERR_UNSUPPORTED, "unknown command '" + action + "'");
}

}  // namespace agentsys::skills
