// skill_parser: every rule of the Agent Skills format (plugins/skills/engine/skill_parser.hpp),
// each with a fixture that breaks it, checking the severity, the field and the 1-based file
// line of the finding (the front matter's first line is line 2, after the opening `---`); then
// scan_skills over a folder of good and broken skills, read_body and resource_files.
#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "skill_parser.hpp"
#include "skills_test_support.hpp"

using namespace agentsys::skills;
using agentsys::skills_test::TempDir;
using agentsys::skills_test::write_file;
using agentsys::skills_test::write_skill;

namespace {

/// Writes `<tmp>/<folder>/SKILL.md` with exactly `text` and parses it from disk.
ParsedSkill parse_file(const TempDir& tmp, const std::string& folder, const std::string& text) {
  write_file(tmp / folder / "SKILL.md", text);
  return read_skill(tmp / folder);
}

/// The same with `---` lines around `front_matter` and a short body.
ParsedSkill parse_fm(const TempDir& tmp, const std::string& folder,
                     const std::string& front_matter) {
  return parse_file(tmp, folder, "---\n" + front_matter + "---\n# Body\n");
}

std::string skill_md(const TempDir& tmp, const std::string& folder) {
  return (tmp / folder / "SKILL.md").string();
}

size_t count(const std::vector<Finding>& findings, Severity severity) {
  return static_cast<size_t>(std::count_if(
      findings.begin(), findings.end(), [&](const Finding& f) { return f.severity == severity; }));
}

/// The only finding; fails the test (REQUIRE) when there is not exactly one.
const Finding& only(const ParsedSkill& parsed) {
  REQUIRE(parsed.findings.size() == 1);
  return parsed.findings.front();
}

/// Checks one finding's severity, field and line (and that its file is `file`).
void check_finding(const Finding& f, Severity severity, const std::string& field, int line,
                   const std::string& file) {
  CHECK(f.severity == severity);
  CHECK(f.field == field);
  CHECK(f.line == line);
  CHECK(f.file == file);
}

/// An invalid skill: not loaded, exactly one finding, an error with this field and line.
void check_invalid(const TempDir& tmp, const std::string& folder, const ParsedSkill& parsed,
                   const std::string& field, int line) {
  CHECK_FALSE(parsed.skill.has_value());
  check_finding(only(parsed), Severity::error, field, line, skill_md(tmp, folder));
}

/// A skill that loads with exactly one warning with this field and line.
void check_warned(const TempDir& tmp, const std::string& folder, const ParsedSkill& parsed,
                  const std::string& field, int line) {
  CHECK(parsed.skill.has_value());
  check_finding(only(parsed), Severity::warning, field, line, skill_md(tmp, folder));
}

}  // namespace

TEST_CASE("parser: a valid skill loads every field exactly, with no finding") {
  TempDir tmp;
  const ParsedSkill p = parse_file(tmp, "pdf-tools",
                                   "---\n"
                                   "name: pdf-tools\n"
                                   "description: Extracts text and tables from PDF files.\n"
                                   "license: Apache-2.0\n"
                                   "compatibility: Needs python3 and poppler-utils\n"
                                   "metadata:\n"
                                   "  author: example-org\n"
                                   "  version: \"1.0\"\n"
                                   "allowed-tools: Bash(pdftotext:*) Read  Write\n"
                                   "---\n"
                                   "# PDF tools\n"
                                   "\n"
                                   "Run scripts/extract.py.\n");
  CHECK(p.findings.empty());
  REQUIRE(p.skill.has_value());
  const Skill& s = *p.skill;
  CHECK(s.name == "pdf-tools");
  CHECK(s.description == "Extracts text and tables from PDF files.");
  CHECK(s.license == "Apache-2.0");
  CHECK(s.compatibility == "Needs python3 and poppler-utils");
  CHECK(s.metadata ==
        std::map<std::string, std::string>{{"author", "example-org"}, {"version", "1.0"}});
  // A space-separated string, split on (runs of) spaces.
  CHECK(s.allowed_tools == std::vector<std::string>{"Bash(pdftotext:*)", "Read", "Write"});
  CHECK(s.dir == tmp / "pdf-tools");
  CHECK(s.file == tmp / "pdf-tools" / "SKILL.md");
  CHECK(s.body_line == 11);  // 10 lines of front matter and markers
  CHECK(p.body == "# PDF tools\n\nRun scripts/extract.py.\n");
  CHECK(p.name_line == 2);
}

TEST_CASE("parser: the optional fields stay empty when absent") {
  TempDir tmp;
  const ParsedSkill p = parse_fm(tmp, "tiny", "name: tiny\ndescription: Does one thing.\n");
  CHECK(p.findings.empty());
  REQUIRE(p.skill.has_value());
  CHECK(p.skill->license.empty());
  CHECK(p.skill->compatibility.empty());
  CHECK(p.skill->metadata.empty());
  CHECK(p.skill->allowed_tools.empty());
  CHECK(p.skill->body_line == 5);
}

TEST_CASE("parser: the front matter itself") {
  TempDir tmp;
  SUBCASE("missing: the file does not start with ---") {
    const ParsedSkill p = parse_file(tmp, "no-fm", "# Just Markdown\n\nname: no-fm\n");
    check_invalid(tmp, "no-fm", p, "file", 1);
    CHECK(p.findings[0].message.find("no front matter") != std::string::npos);
  }
  SUBCASE("missing: an empty file") {
    const ParsedSkill p = parse_file(tmp, "empty", "");
    check_invalid(tmp, "empty", p, "file", 1);
  }
  SUBCASE("not closed") {
    const ParsedSkill p =
        parse_file(tmp, "open", "---\nname: open\ndescription: Never closed.\n# Body\n");
    check_invalid(tmp, "open", p, "file", 1);
    CHECK(p.findings[0].message.find("not closed") != std::string::npos);
  }
  SUBCASE("invalid YAML: an unclosed flow sequence") {
    // yaml-cpp locates the error where it gives up on the flow sequence: the next line's
    // `key: value` (line 3), not the `[` on line 2.
    const ParsedSkill p = parse_fm(tmp, "broken", "name: [oops\ndescription: Broken.\n");
    check_invalid(tmp, "broken", p, "yaml", 3);
    CHECK(p.findings[0].message.find("not valid YAML") != std::string::npos);
  }
  SUBCASE("invalid YAML: a tab-indented mapping the lenient reading cannot repair") {
    const ParsedSkill p =
        parse_fm(tmp, "tabs", "name: tabs\ndescription: ok\nmetadata:\n\tk: v\n  j: w\n");
    check_invalid(tmp, "tabs", p, "yaml", 5);  // the tab-indented line
  }
  SUBCASE("not a mapping: a list") {
    const ParsedSkill p = parse_fm(tmp, "listy", "- name\n- description\n");
    check_invalid(tmp, "listy", p, "yaml", 2);
  }
  SUBCASE("not a mapping: a plain scalar") {
    const ParsedSkill p = parse_fm(tmp, "scalar", "just some text\n");
    check_invalid(tmp, "scalar", p, "yaml", 2);
  }
}

TEST_CASE("parser: the name field") {
  TempDir tmp;
  SUBCASE("missing: reported at the front matter's first line") {
    const ParsedSkill p = parse_fm(tmp, "nameless", "description: Has no name.\n");
    check_invalid(tmp, "nameless", p, "name", 2);
    CHECK(p.findings[0].message.find("required") != std::string::npos);
  }
  SUBCASE("empty string") {
    const ParsedSkill p = parse_fm(tmp, "blank", "description: Empty name.\nname: \"\"\n");
    check_invalid(tmp, "blank", p, "name", 3);
    CHECK(p.findings[0].message.find("must not be empty") != std::string::npos);
  }
  SUBCASE("no value at all") {
    const ParsedSkill p = parse_fm(tmp, "novalue", "description: Null name.\nname:\n");
    check_invalid(tmp, "novalue", p, "name", 3);
    CHECK(p.findings[0].message.find("has no value") != std::string::npos);
  }
  SUBCASE("not a string") {
    const ParsedSkill p = parse_fm(tmp, "listname", "name: [a, b]\ndescription: d\n");
    check_invalid(tmp, "listname", p, "name", 2);
    CHECK(p.findings[0].message.find("not a list") != std::string::npos);
  }
  SUBCASE("uppercase letters (folder named the same: only the case rule fires)") {
    const ParsedSkill p = parse_fm(tmp, "PDF-Tools", "description: d\n\nname: PDF-Tools\n");
    check_invalid(tmp, "PDF-Tools", p, "name", 4);
    CHECK(p.findings[0].message.find("lowercase") != std::string::npos);
  }
  SUBCASE("an underscore") {
    const ParsedSkill p = parse_fm(tmp, "pdf_tools", "name: pdf_tools\ndescription: d\n");
    check_invalid(tmp, "pdf_tools", p, "name", 2);
  }
  SUBCASE("leading hyphen") {
    const ParsedSkill p = parse_fm(tmp, "-pdf", "name: -pdf\ndescription: d\n");
    check_invalid(tmp, "-pdf", p, "name", 2);
    CHECK(p.findings[0].message.find("start or end with a hyphen") != std::string::npos);
  }
  SUBCASE("trailing hyphen") {
    const ParsedSkill p = parse_fm(tmp, "pdf-", "description: d\nname: pdf-\n");
    check_invalid(tmp, "pdf-", p, "name", 3);
    CHECK(p.findings[0].message.find("start or end with a hyphen") != std::string::npos);
  }
  SUBCASE("two hyphens in a row") {
    const ParsedSkill p = parse_fm(tmp, "pdf--tools", "name: pdf--tools\ndescription: d\n");
    check_invalid(tmp, "pdf--tools", p, "name", 2);
    CHECK(p.findings[0].message.find("two hyphens") != std::string::npos);
  }
  SUBCASE("longer than 64 characters: a warning, the skill loads") {
    const std::string long_name = std::string(40, 'a') + "-" + std::string(30, 'b');  // 71
    const ParsedSkill p =
        parse_fm(tmp, long_name, "description: d\nlicense: MIT\nname: " + long_name + "\n");
    check_warned(tmp, long_name, p, "name", 4);
    CHECK(p.findings[0].message.find("71 characters") != std::string::npos);
    CHECK(p.skill->name == long_name);
  }
  SUBCASE("exactly 64 characters: no finding") {
    const std::string name = std::string(32, 'a') + "-" + std::string(31, 'b');
    REQUIRE(name.size() == 64);
    const ParsedSkill p = parse_fm(tmp, name, "name: " + name + "\ndescription: d\n");
    CHECK(p.findings.empty());
    CHECK(p.skill.has_value());
  }
  SUBCASE("differs from its folder: a warning, the skill loads under its own name") {
    const ParsedSkill p = parse_fm(tmp, "folder-name", "name: real-name\ndescription: d\n");
    check_warned(tmp, "folder-name", p, "name", 2);
    CHECK(p.findings[0].message.find("'folder-name'") != std::string::npos);
    CHECK(p.skill->name == "real-name");
    CHECK(p.skill->dir == tmp / "folder-name");
  }
}

TEST_CASE("parser: the description field") {
  TempDir tmp;
  SUBCASE("missing: reported at the front matter's first line") {
    const ParsedSkill p = parse_fm(tmp, "mute", "name: mute\nlicense: MIT\n");
    check_invalid(tmp, "mute", p, "description", 2);
    CHECK(p.findings[0].message.find("required") != std::string::npos);
  }
  SUBCASE("empty") {
    const ParsedSkill p = parse_fm(tmp, "mute", "name: mute\ndescription: ''\n");
    check_invalid(tmp, "mute", p, "description", 3);
    CHECK(p.findings[0].message.find("must not be empty") != std::string::npos);
  }
  SUBCASE("longer than 1024 characters: an error") {
    const ParsedSkill p =
        parse_fm(tmp, "wordy", "name: wordy\ndescription: " + std::string(1025, 'x') + "\n");
    check_invalid(tmp, "wordy", p, "description", 3);
    CHECK(p.findings[0].message.find("1025 characters; at most 1024") != std::string::npos);
  }
  SUBCASE("exactly 1024 characters: accepted") {
    const ParsedSkill p =
        parse_fm(tmp, "wordy", "name: wordy\ndescription: " + std::string(1024, 'x') + "\n");
    CHECK(p.findings.empty());
    REQUIRE(p.skill.has_value());
    CHECK(p.skill->description.size() == 1024);
  }
  SUBCASE("the limit counts characters, not UTF-8 bytes") {
    // 400 Chinese characters are 1200 bytes: within the limit.
    std::string chinese;
    for (int i = 0; i < 400; ++i) chinese += "报";
    const ParsedSkill ok = parse_fm(tmp, "zh", "name: zh\ndescription: " + chinese + "\n");
    CHECK(ok.findings.empty());
    REQUIRE(ok.skill.has_value());
    CHECK(ok.skill->description == chinese);
    // 1025 of them are over it, and the message counts characters.
    std::string too_long;
    for (int i = 0; i < 1025; ++i) too_long += "报";
    const ParsedSkill bad = parse_fm(tmp, "zh", "name: zh\ndescription: " + too_long + "\n");
    check_invalid(tmp, "zh", bad, "description", 3);
    CHECK(bad.findings[0].message.find("is 1025 characters") != std::string::npos);
  }
  SUBCASE("a mapping instead of a string") {
    const ParsedSkill p = parse_fm(tmp, "mapped", "name: mapped\ndescription:\n  a: b\n");
    check_invalid(tmp, "mapped", p, "description", 4);
    CHECK(p.findings[0].message.find("not a mapping") != std::string::npos);
  }
}

TEST_CASE("parser: compatibility, metadata, allowed-tools") {
  TempDir tmp;
  const std::string head = "name: fields\ndescription: d\n";  // lines 2 and 3
  SUBCASE("compatibility empty") {
    const ParsedSkill p = parse_fm(tmp, "fields", head + "compatibility: \"\"\n");
    check_invalid(tmp, "fields", p, "compatibility", 4);
  }
  SUBCASE("compatibility longer than 500 characters") {
    const ParsedSkill p =
        parse_fm(tmp, "fields", head + "compatibility: " + std::string(501, 'c') + "\n");
    check_invalid(tmp, "fields", p, "compatibility", 4);
    CHECK(p.findings[0].message.find("at most 500") != std::string::npos);
  }
  SUBCASE("compatibility in characters: 500 accented letters (1000 bytes) are fine") {
    std::string accented;
    for (int i = 0; i < 500; ++i) accented += "é";
    const ParsedSkill p = parse_fm(tmp, "fields", head + "compatibility: " + accented + "\n");
    CHECK(p.findings.empty());
    CHECK(p.skill.has_value());
  }
  SUBCASE("compatibility of exactly 500 characters") {
    const ParsedSkill p =
        parse_fm(tmp, "fields", head + "compatibility: " + std::string(500, 'c') + "\n");
    CHECK(p.findings.empty());
    CHECK(p.skill.has_value());
  }
  SUBCASE("metadata not a mapping") {
    const ParsedSkill p = parse_fm(tmp, "fields", head + "metadata: just-a-string\n");
    check_invalid(tmp, "fields", p, "metadata", 4);
  }
  SUBCASE("metadata as a list") {
    const ParsedSkill p = parse_fm(tmp, "fields", head + "metadata:\n  - a\n  - b\n");
    check_invalid(tmp, "fields", p, "metadata", 5);  // the list's first item
  }
  SUBCASE("metadata with a nested value: the entry is named, at the nested value's line") {
    const ParsedSkill p = parse_fm(tmp, "fields",
                                   head +
                                       "metadata:\n"       // 4
                                       "  author: me\n"    // 5
                                       "  owner:\n"        // 6
                                       "    team: core\n"  // 7
    );
    check_invalid(tmp, "fields", p, "metadata.owner", 7);
  }
  SUBCASE("allowed-tools as a YAML list: a warning, read as the list's items") {
    const ParsedSkill p =
        parse_fm(tmp, "fields", head + "allowed-tools:\n  - Bash(git:*)\n  - Read\n");
    check_warned(tmp, "fields", p, "allowed-tools", 5);  // the list starts on line 5
    CHECK(p.skill->allowed_tools == std::vector<std::string>{"Bash(git:*)", "Read"});
  }
  SUBCASE("allowed-tools as a flow list: the same warning on its own line") {
    const ParsedSkill p = parse_fm(tmp, "fields", head + "allowed-tools: [Bash, Read]\n");
    check_warned(tmp, "fields", p, "allowed-tools", 4);
    CHECK(p.skill->allowed_tools == std::vector<std::string>{"Bash", "Read"});
  }
  SUBCASE("allowed-tools as a string: split on spaces") {
    const ParsedSkill p = parse_fm(tmp, "fields", head + "allowed-tools: \"Bash  Read\tGrep\"\n");
    CHECK(p.findings.empty());
    REQUIRE(p.skill.has_value());
    CHECK(p.skill->allowed_tools == std::vector<std::string>{"Bash", "Read", "Grep"});
  }
  SUBCASE("allowed-tools as a mapping: an error") {
    const ParsedSkill p = parse_fm(tmp, "fields", head + "allowed-tools:\n  bash: yes\n");
    check_invalid(tmp, "fields", p, "allowed-tools", 5);
  }
}

TEST_CASE("parser: unknown and duplicate fields") {
  TempDir tmp;
  SUBCASE("an unknown field: a warning naming it, ignored") {
    const ParsedSkill p =
        parse_fm(tmp, "extra", "name: extra\ndescription: d\nversion: 2\nauthor: me\n");
    CHECK(p.skill.has_value());
    REQUIRE(p.findings.size() == 2);
    check_finding(p.findings[0], Severity::warning, "version", 4, skill_md(tmp, "extra"));
    check_finding(p.findings[1], Severity::warning, "author", 5, skill_md(tmp, "extra"));
    CHECK(p.findings[0].message.find("not a field of the Agent Skills spec") != std::string::npos);
  }
  SUBCASE("a field given twice") {
    // yaml-cpp keeps both entries of a duplicated key, so the parser sees the second one and
    // warns at its line; the first value is the one used.
    const ParsedSkill p = parse_fm(tmp, "twice",
                                   "name: twice\n"
                                   "description: the first\n"
                                   "license: MIT\n"
                                   "description: the second\n");
    check_warned(tmp, "twice", p, "description", 5);
    CHECK(p.findings[0].message.find("appears twice") != std::string::npos);
    CHECK(p.skill->description == "the first");
  }
}

TEST_CASE("parser: the lenient reading of an unquoted ': ' in a value") {
  TempDir tmp;
  const ParsedSkill p = parse_fm(tmp, "lenient",
                                 "name: lenient\n"
                                 "description: Use this when: the user asks\n"
                                 "compatibility: Needs: git\n");
  CHECK(p.skill.has_value());
  REQUIRE(p.findings.size() == 2);
  check_finding(p.findings[0], Severity::warning, "yaml", 3, skill_md(tmp, "lenient"));
  check_finding(p.findings[1], Severity::warning, "yaml", 4, skill_md(tmp, "lenient"));
  CHECK(p.findings[0].message.find("quote it") != std::string::npos);
  REQUIRE(p.skill.has_value());
  CHECK(p.skill->description == "Use this when: the user asks");
  CHECK(p.skill->compatibility == "Needs: git");
}

TEST_CASE("parser: a quoted ': ' needs no lenient reading") {
  TempDir tmp;
  const ParsedSkill p =
      parse_fm(tmp, "quoted", "name: quoted\ndescription: \"Use this when: the user asks\"\n");
  CHECK(p.findings.empty());
  REQUIRE(p.skill.has_value());
  CHECK(p.skill->description == "Use this when: the user asks");
}

TEST_CASE("parser: CRLF line ends and a UTF-8 byte order mark") {
  TempDir tmp;
  const ParsedSkill p = parse_file(tmp, "windows",
                                   "\xEF\xBB\xBF---\r\n"
                                   "name: windows\r\n"
                                   "description: Written on Windows.\r\n"
                                   "metadata:\r\n"
                                   "  owner: ops\r\n"
                                   "---\r\n"
                                   "# Body\r\n");
  CHECK(p.findings.empty());
  REQUIRE(p.skill.has_value());
  CHECK(p.skill->name == "windows");
  CHECK(p.skill->description == "Written on Windows.");
  CHECK(p.skill->metadata.at("owner") == "ops");
  CHECK(p.skill->body_line == 7);
  CHECK(p.body == "# Body\r\n");  // the body byte for byte

  // Lines still count from the (BOM-prefixed) first line.
  const ParsedSkill bad = parse_file(
      tmp, "windows-bad", "\xEF\xBB\xBF---\r\nname: windows-bad\r\nlicense: x\r\n---\r\n");
  check_invalid(tmp, "windows-bad", bad, "description", 2);
}

TEST_CASE("parser: several problems in one file are all reported, in line order") {
  TempDir tmp;
  const ParsedSkill p = parse_fm(tmp, "many",
                                 "name: Many\n"           // 2: error (case), warning (folder)
                                 "description: \"\"\n"    // 3: error
                                 "colour: blue\n"         // 4: warning
                                 "compatibility: ''\n");  // 5: error
  CHECK_FALSE(p.skill.has_value());
  CHECK(count(p.findings, Severity::error) == 3);
  CHECK(count(p.findings, Severity::warning) == 2);
  std::vector<int> lines;
  for (const Finding& f : p.findings) lines.push_back(f.line);
  CHECK(lines == std::vector<int>{2, 2, 3, 4, 5});
}

TEST_CASE("parser: a folder without SKILL.md read directly is an error at line 0") {
  TempDir tmp;
  std::filesystem::create_directories(tmp / "hollow");
  const ParsedSkill p = read_skill(tmp / "hollow");
  CHECK_FALSE(p.skill.has_value());
  check_finding(only(p), Severity::error, "file", 0, (tmp / "hollow" / "SKILL.md").string());
}

TEST_CASE("Finding::text: FILE:LINE: FIELD: message, 'warning: ' before a warning's message") {
  const Finding error{"/s/a/SKILL.md", 3, "name", "must not be empty", Severity::error};
  CHECK(error.text() == "/s/a/SKILL.md:3: name: must not be empty");
  const Finding warning{"/s/a/SKILL.md", 7, "metadata.owner", "odd", Severity::warning};
  CHECK(warning.text() == "/s/a/SKILL.md:7: metadata.owner: warning: odd");
  const Finding no_line{"/s/b", 0, "file", "has no SKILL.md", Severity::warning};
  CHECK(no_line.text() == "/s/b: file: warning: has no SKILL.md");

  CHECK(has_error({error, warning}));
  CHECK_FALSE(has_error({warning, no_line}));
  CHECK_FALSE(has_error({}));

  // The parser's own findings format the same way.
  TempDir tmp;
  const ParsedSkill p = parse_fm(tmp, "UPPER", "name: UPPER\ndescription: d\n");
  CHECK(only(p).text() == skill_md(tmp, "UPPER") +
                              ":2: name: 'UPPER' must be lowercase letters a-z, digits and single "
                              "hyphens");
}

TEST_CASE("scan_skills: broken skills are skipped, the rest load in name order") {
  TempDir tmp;
  const auto& root = tmp.path();
  // Four good skills, written out of name order; one's folder differs from its name.
  write_skill(root, "zeta", "name: zeta\ndescription: The last one.\n");
  write_skill(root, "alpha", "name: alpha\ndescription: The first one.\n");
  write_skill(root, "mid-folder", "name: beta\ndescription: Named beta in mid-folder.\n");
  write_skill(root, "gamma", "name: gamma\ndescription: Third.\n");
  // Three broken ones.
  const std::string bad_name = write_skill(root, "Bad", "name: Bad\ndescription: d\n").string();
  const std::string no_desc = write_skill(root, "no-desc", "name: no-desc\n").string();
  const std::string bad_yaml =
      write_skill(root, "bad-yaml", "name: bad-yaml\ndescription: [unclosed\n").string();
  // Ignored: a hidden folder (even with a valid SKILL.md), a plain file at the top level.
  write_skill(root, ".hidden", "name: hidden\ndescription: Never seen.\n");
  write_file(root / "README.md", "not a skill folder\n");
  // A folder without SKILL.md: a warning, not an invalid skill.
  write_file(root / "notes" / "todo.txt", "later\n");

  const Catalog c = scan_skills(root);
  std::vector<std::string> names;
  for (const Skill& s : c.skills) names.push_back(s.name);
  CHECK(names == std::vector<std::string>{"alpha", "beta", "gamma", "zeta"});
  CHECK(c.invalid == 3);
  REQUIRE(c.bodies.size() == c.skills.size());
  CHECK(c.bodies[0] == "# Steps\n\n1. Do it.\n");
  CHECK(c.skills[1].dir == root / "mid-folder");

  const auto errors_for = [&](const std::string& file) {
    return std::count_if(c.findings.begin(), c.findings.end(), [&](const Finding& f) {
      return f.file == file && f.severity == Severity::error;
    });
  };
  CHECK(errors_for(bad_name) == 1);
  CHECK(errors_for(no_desc) == 1);
  CHECK(errors_for(bad_yaml) == 1);
  CHECK(count(c.findings, Severity::error) == 3);

  // Warnings: beta's folder, the folder without SKILL.md; nothing about .hidden or README.md.
  std::vector<std::string> warned;
  for (const Finding& f : c.findings)
    if (f.severity == Severity::warning) warned.push_back(f.file + "|" + f.field);
  std::sort(warned.begin(), warned.end());
  CHECK(warned == std::vector<std::string>{(root / "mid-folder" / "SKILL.md").string() + "|name",
                                           (root / "notes").string() + "|file"});
  for (const Finding& f : c.findings) {
    CHECK(f.file.find(".hidden") == std::string::npos);
    CHECK(f.file.find("README") == std::string::npos);
  }
  const auto notes = std::find_if(c.findings.begin(), c.findings.end(), [&](const Finding& f) {
    return f.file == (root / "notes").string();
  });
  REQUIRE(notes != c.findings.end());
  CHECK(notes->line == 0);
  CHECK(notes->message.find("has no SKILL.md") != std::string::npos);
}

TEST_CASE("scan_skills: two skills with one name keep the first in folder order") {
  TempDir tmp;
  const auto& root = tmp.path();
  write_skill(root, "report", "name: report\ndescription: The real one.\n");
  const std::string copy =
      write_skill(root, "report-copy", "name: report\ndescription: A copy.\n").string();
  const Catalog c = scan_skills(root);
  REQUIRE(c.skills.size() == 1);
  CHECK(c.skills[0].description == "The real one.");
  CHECK(c.invalid == 0);  // a duplicate is skipped, not invalid
  // The copy gets two warnings: its folder differs from its name, and it is skipped.
  REQUIRE(c.findings.size() == 2);
  for (const Finding& f : c.findings) {
    CHECK(f.file == copy);
    CHECK(f.severity == Severity::warning);
    CHECK(f.field == "name");
    CHECK(f.line == 2);
  }
  CHECK(c.findings[1].message.find("already the name of an earlier skill") != std::string::npos);

  // The skip is located at the copy's `name:` line, wherever the field is.
  TempDir late;
  write_skill(late.path(), "a-first", "name: a-first\ndescription: d\n");
  const std::string moved =
      write_skill(late.path(), "b-second", "description: d\nlicense: MIT\nname: a-first\n")
          .string();
  const Catalog c3 = scan_skills(late.path());
  REQUIRE(c3.skills.size() == 1);
  REQUIRE(c3.findings.size() == 2);
  check_finding(c3.findings[1], Severity::warning, "name", 4, moved);
  CHECK(c3.findings[1].message.find("already the name") != std::string::npos);

  // Folder order, not name fit, decides: a mismatching folder sorting first wins.
  TempDir other;
  write_skill(other.path(), "aaa", "name: report\ndescription: Sorted first.\n");
  write_skill(other.path(), "report", "name: report\ndescription: Sorted second.\n");
  const Catalog c2 = scan_skills(other.path());
  REQUIRE(c2.skills.size() == 1);
  CHECK(c2.skills[0].description == "Sorted first.");
  CHECK(c2.findings.back().file == (other / "report" / "SKILL.md").string());
}

TEST_CASE("scan_skills: an empty folder is an empty catalogue, a missing root throws") {
  TempDir tmp;
  const Catalog empty = scan_skills(tmp.path());
  CHECK(empty.skills.empty());
  CHECK(empty.findings.empty());
  CHECK(empty.invalid == 0);

  CHECK_THROWS_AS(scan_skills(tmp / "does-not-exist"), std::runtime_error);
  write_file(tmp / "a-file", "x\n");
  CHECK_THROWS_AS(scan_skills(tmp / "a-file"), std::runtime_error);
  try {
    static_cast<void>(scan_skills(tmp / "does-not-exist"));
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("is not a folder") != std::string::npos);
  }
}

TEST_CASE("read_body and resource_files") {
  TempDir tmp;
  write_skill(tmp.path(), "kit", "name: kit\ndescription: Has resources.\n",
              "# Kit\n\nSee references/guide.md.\n");
  write_file(tmp / "kit" / "scripts" / "run.sh", "#!/bin/sh\n");
  write_file(tmp / "kit" / "scripts" / "lib" / "util.py", "pass\n");
  write_file(tmp / "kit" / "references" / "guide.md", "# Guide\n");
  write_file(tmp / "kit" / "assets" / "logo.svg", "<svg/>\n");
  write_file(tmp / "kit" / "notes" / "ignored.txt", "not a resource folder\n");
  std::filesystem::create_directories(tmp / "kit" / "assets" / "empty-dir");

  const Catalog c = scan_skills(tmp.path());
  REQUIRE(c.skills.size() == 1);
  const Skill& kit = c.skills[0];
  CHECK(read_body(kit) == "# Kit\n\nSee references/guide.md.\n");
  CHECK(resource_files(kit) == std::vector<std::string>{"assets/logo.svg", "references/guide.md",
                                                        "scripts/lib/util.py", "scripts/run.sh"});

  // The body is read now, not when parsed.
  write_skill(tmp.path(), "kit", "name: kit\ndescription: Has resources.\n", "Changed.\n");
  CHECK(read_body(kit) == "Changed.\n");

  // A skill without resource folders has none; a file gone or broken throws naming it.
  write_skill(tmp.path(), "bare", "name: bare\ndescription: Nothing else.\n");
  const ParsedSkill bare = read_skill(tmp / "bare");
  REQUIRE(bare.skill.has_value());
  CHECK(resource_files(*bare.skill).empty());
  write_file(tmp / "bare" / "SKILL.md", "no front matter any more\n");
  CHECK_THROWS_AS(static_cast<void>(read_body(*bare.skill)), std::runtime_error);
  std::filesystem::remove(tmp / "bare" / "SKILL.md");
  try {
    static_cast<void>(read_body(*bare.skill));
    FAIL("read_body of a missing file did not throw");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find((tmp / "bare" / "SKILL.md").string()) != std::string::npos);
  }
}
