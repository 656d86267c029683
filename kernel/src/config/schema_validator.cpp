#include "config/schema_validator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace agentsys::config {
namespace fs = std::filesystem;
using json = nlohmann::json;

struct SchemaSet::Entry {
  json document;
  valijson::Schema compiled;
};

namespace {

constexpr std::string_view kSuffix = ".schema.json";

std::optional<json> read_json(const fs::path& file, std::string& error) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    error = "cannot read the file";
    return std::nullopt;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  try {
    return json::parse(buf.str());
  } catch (const json::parse_error& e) {
    std::string why = e.what();
    if (size_t at = why.find("parse error at "); at != std::string::npos) why.erase(0, at + 15);
    error = "not valid JSON: " + why;
    return std::nullopt;
  }
}

// --- valijson's error text -> the keyword it checks ----------------------------------------

struct KeywordRule {
  std::string_view prefix;
  std::string_view keyword;
  bool wrapper;  // only says that something below failed
};

// valijson 1.0 names no keyword, so each of its messages is matched by how it starts.
constexpr KeywordRule kKeywordRules[] = {
    {"Failed to validate against schema associated with property name", "properties", true},
    {"Failed to validate against schema associated with pattern", "patternProperties", true},
    {"Failed to validate against additional properties schema", "additionalProperties", true},
    {"Failed to validate item #", "items", true},
    {"Failed to validate against child schema #", "allOf", true},
    {"Failed to validate against dependent schema", "dependencies", true},
    {"Failed to validate against any schemas allowed by anyOf", "anyOf", false},
    {"Failed to validate against any child schemas allowed by oneOf", "oneOf", false},
    {"Failed to validate against exactly one child schema", "oneOf", false},
    {"Failed to validate against a conditional schema", "if", true},
    {"Failed to match expected value set by 'const'", "const", false},
    {"Failed to any values against subschema in 'contains'", "contains", false},
    {"Failed to match against any enum values", "enum", false},
    {"Failed to match regex specified by 'pattern'", "pattern", false},
    {"String should be a valid", "format", false},
    {"Array contains more items than allowed", "items", false},
    {"Cannot validate item #", "additionalItems", false},
    {"Expected number less than or equal to", "maximum", false},
    {"Expected number less than", "exclusiveMaximum", false},
    {"Expected number greater than or equal to", "minimum", false},
    {"Expected number greater than", "exclusiveMinimum", false},
    {"Array should contain no more than", "maxItems", false},
    {"Array should contain no fewer than", "minItems", false},
    {"String should be no more than", "maxLength", false},
    {"String should be no fewer than", "minLength", false},
    {"Object should have no more than", "maxProperties", false},
    {"Object should have no fewer than", "minProperties", false},
    {"Value should be a multiple of", "multipleOf", false},
    {"Value type not permitted by 'type'", "type", false},
    {"Elements at indexes", "uniqueItems", false},
    {"Object contains a property that could not be validated", "additionalProperties", false},
    {"Missing required property", "required", false},
    {"Missing dependency", "dependencies", false},
    {"Target should not validate against schema specified in 'not'", "not", false},
};

const KeywordRule* rule_for(const std::string& description) {
  for (const KeywordRule& r : kKeywordRules) {
    if (description.compare(0, r.prefix.size(), r.prefix) == 0) return &r;
  }
  return nullptr;
}

/// The text between the last pair of single quotes: the property name valijson quotes.
std::string quoted_name(const std::string& description) {
  size_t end = description.rfind('\'');
  if (end == std::string::npos || end == 0) return {};
  size_t begin = description.rfind('\'', end - 1);
  if (begin == std::string::npos) return {};
  return description.substr(begin + 1, end - begin - 1);
}

// --- where in the schema an instance path leads, for messages ------------------------------

class SchemaWalker {
 public:
  SchemaWalker(const json& root, const std::function<const json*(std::string_view)>& other)
      : root_(root), other_(other) {}

  /// The subschema that applies to the instance at `tokens`, following properties,
  /// patternProperties, additionalProperties, items and $ref; null when it cannot tell.
  const json* at(const std::vector<std::string>& tokens) const {
    const json* doc_root = &root_;
    const json* node = resolve(&root_, doc_root);
    for (const std::string& token : tokens) {
      if (node == nullptr || !node->is_object()) return nullptr;
      const json* next = nullptr;
      if (auto p = node->find("properties"); p != node->end() && p->contains(token)) {
        next = &(*p)[token];
      } else if (auto pp = node->find("patternProperties"); pp != node->end() && pp->is_object()) {
        for (const auto& [pattern, sub] : pp->items()) {
          if (std::regex_search(token, std::regex(pattern))) next = &sub;
        }
      }
      if (next == nullptr) {
        if (auto ap = node->find("additionalProperties"); ap != node->end() && ap->is_object()) {
          next = &*ap;
        } else if (auto it = node->find("items"); it != node->end() && it->is_object()) {
          next = &*it;
        }
      }
      node = resolve(next, doc_root);
    }
    return node;
  }

 private:
  const json* resolve(const json* node, const json*& doc_root) const {
    for (int depth = 0; node != nullptr && node->is_object() && node->contains("$ref") && depth < 8;
         ++depth) {
      std::string ref = (*node)["$ref"].get<std::string>();
      size_t hash = ref.find('#');
      std::string file = ref.substr(0, hash);
      std::string fragment = hash == std::string::npos ? "" : ref.substr(hash + 1);
      if (!file.empty()) doc_root = other_(fs::path(file).filename().string());
      if (doc_root == nullptr) return nullptr;
      try {
        node = &doc_root->at(json::json_pointer(fragment));
      } catch (const json::exception&) {
        return nullptr;
      }
    }
    return node;
  }

  const json& root_;
  const std::function<const json*(std::string_view)>& other_;
};

std::string type_name(const json& v) {
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  return v.type_name();
}

std::string brief(const json& v) {
  std::string text = v.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

std::string list_of(const json& values) {
  std::vector<std::string> parts;
  for (const auto& v : values) parts.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  return fmt::format("{}", fmt::join(parts, ", "));
}

/// A message saying what was expected and what was found, from the subschema when known.
std::string explain(std::string_view keyword, const std::string& description, const json* sub,
                    const json* value) {
  auto has = [&](const char* key) { return sub != nullptr && sub->contains(key); };
  std::string got;
  if (value != nullptr) {
    got = value->is_structured() ? fmt::format(", got {}", type_name(*value))
                                 : fmt::format(", got {} {}", type_name(*value), brief(*value));
  }
  std::string msg;
  if (keyword == "type" && has("type")) {
    const json& t = (*sub)["type"];
    msg = fmt::format("expected {}{}", t.is_array() ? list_of(t) : t.get<std::string>(), got);
  } else if (keyword == "enum" && has("enum")) {
    msg = fmt::format("expected one of: {}{}", list_of((*sub)["enum"]), got);
  } else if (keyword == "const" && has("const")) {
    msg = fmt::format("expected {}{}", (*sub)["const"].dump(), got);
  } else if (keyword == "pattern" && has("pattern")) {
    msg = fmt::format("does not match the pattern {}{}", (*sub)["pattern"].dump(), got);
  } else if ((keyword == "minimum" || keyword == "exclusiveMinimum" || keyword == "maximum" ||
              keyword == "exclusiveMaximum") &&
             has(std::string(keyword).c_str())) {
    std::string_view op = keyword == "minimum"            ? ">="
                          : keyword == "exclusiveMinimum" ? ">"
                          : keyword == "maximum"          ? "<="
                                                          : "<";
    msg = fmt::format("must be {} {}{}", op, (*sub)[std::string(keyword)].dump(), got);
  } else if (keyword == "required") {
    msg = fmt::format("required key '{}' is missing", quoted_name(description));
  } else if (keyword == "additionalProperties") {
    std::vector<std::string> allowed;
    if (has("properties")) {
      for (const auto& [k, v] : (*sub)["properties"].items()) allowed.push_back(k);
    }
    if (has("patternProperties")) {
      for (const auto& [k, v] : (*sub)["patternProperties"].items()) {
        allowed.push_back("keys matching " + k);
      }
    }
    msg = fmt::format("unknown key '{}'", quoted_name(description));
    if (!allowed.empty()) msg += fmt::format(" (allowed here: {})", fmt::join(allowed, ", "));
  } else {
    msg = description;
    if (!msg.empty() && msg.back() == '.') msg.pop_back();
    if (!msg.empty()) msg[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(msg[0])));
    msg += got;
  }
  if (keyword != "required" && keyword != "additionalProperties" && has("description")) {
    msg += fmt::format(" ({})", (*sub)["description"].get<std::string>());
  }
  return msg;
}

std::vector<SchemaViolation> collect(const valijson::ValidationResults& results, const json& doc,
                                     const SchemaWalker& walker) {
  struct Raw {
    std::string pointer;
    std::vector<std::string> tokens;
    const KeywordRule* rule;
    std::string description;
  };
  std::vector<Raw> raws;
  for (const auto& error : results) {
    Raw raw{"", {}, rule_for(error.description), error.description};
    // Context is {"<root>", "[key]", "[0]", ...}; a bracketed number is an index only where
    // the document has an array.
    const json* node = &doc;
    for (size_t i = 1; i < error.context.size(); ++i) {
      std::string token = error.context[i];
      if (token.size() >= 2 && token.front() == '[' && token.back() == ']') {
        token = token.substr(1, token.size() - 2);
      }
      raw.tokens.push_back(token);
      raw.pointer = pointer_append(raw.pointer, token);
      if (node == nullptr) continue;
      if (node->is_array()) {
        size_t index = std::strtoul(token.c_str(), nullptr, 10);
        node = index < node->size() ? &(*node)[index] : nullptr;
      } else if (node->is_object() && node->contains(token)) {
        node = &(*node)[token];
      } else {
        node = nullptr;
      }
    }
    raws.push_back(std::move(raw));
  }
  std::vector<SchemaViolation> out;
  for (const Raw& raw : raws) {
    // "Something below failed" adds nothing when what failed below is reported too.
    if (raw.rule != nullptr && raw.rule->wrapper &&
        std::any_of(raws.begin(), raws.end(), [&](const Raw& other) {
          return &other != &raw && (other.rule == nullptr || !other.rule->wrapper) &&
                 pointer_under(other.pointer, raw.pointer);
        })) {
      continue;
    }
    std::string keyword = raw.rule != nullptr ? std::string(raw.rule->keyword) : "schema";
    const json* sub = walker.at(raw.tokens);
    const json* value = nullptr;
    try {
      value = &doc.at(json::json_pointer(raw.pointer));
    } catch (const json::exception&) {
      value = nullptr;
    }
    SchemaViolation v{raw.pointer, keyword, ""};
    if (keyword == "required" || keyword == "additionalProperties") {
      // Point at the key that is missing or unknown, not at the table holding it.
      if (std::string name = quoted_name(raw.description); !name.empty()) {
        v.pointer = pointer_append(raw.pointer, name);
      }
      value = nullptr;
    }
    static const std::set<std::string_view> kShowsValue = {
        "type",    "enum",   "const",     "pattern",   "minimum",    "exclusiveMinimum",
        "maximum", "format", "minLength", "maxLength", "multipleOf", "exclusiveMaximum"};
    if (!kShowsValue.contains(keyword)) value = nullptr;
    v.message = explain(keyword, raw.description, sub, value);
    if (std::none_of(out.begin(), out.end(), [&](const SchemaViolation& o) {
          return o.pointer == v.pointer && o.keyword == v.keyword && o.message == v.message;
        })) {
      out.push_back(std::move(v));
    }
  }
  return out;
}

std::vector<SchemaViolation> validate_compiled(const valijson::Schema& schema, const json& doc,
                                               const SchemaWalker& walker) {
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(doc);
  if (validator.validate(schema, target, &results)) return {};
  std::vector<SchemaViolation> out = collect(results, doc, walker);
  // valijson reports some failures (e.g. propertyNames) without any error text.
  if (out.empty()) out.push_back({"", "schema", "the document does not hold the schema"});
  return out;
}

}  // namespace

SchemaSet::SchemaSet() = default;
SchemaSet::~SchemaSet() = default;
SchemaSet::SchemaSet(SchemaSet&&) noexcept = default;
SchemaSet& SchemaSet::operator=(SchemaSet&&) noexcept = default;

std::string SchemaSet::add(const std::string& name, json schema) {
  auto entry = std::make_unique<Entry>();
  entry->document = std::move(schema);
  // Refs to other schema files are read from the schema folder, whether loaded or not, so
  // that one broken schema does not hide the problems of the schemas that refer to it; a
  // schema added without a file (a plugin's) is taken from the set.
  auto fetch = [this](const std::string& uri) -> const json* {
    std::string file = fs::path(uri.substr(0, uri.find('#'))).filename().string();
    if (file.ends_with(kSuffix) && !fs::exists(dir_ / file)) {
      if (const json* added = document(file.substr(0, file.size() - kSuffix.size()))) {
        return new json(*added);
      }
    }
    std::string error;
    std::optional<json> doc = read_json(dir_ / file, error);
    return doc ? new json(std::move(*doc)) : nullptr;
  };
  auto free_doc = [](const json* doc) { delete doc; };
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(entry->document);
    parser.populateSchema(adapter, entry->compiled, fetch, free_doc);
  } catch (const std::exception& e) {
    return e.what();
  }
  entries_[name] = std::move(entry);
  return {};
}

SchemaSet SchemaSet::load(const fs::path& dir, std::vector<Problem>& problems) {
  SchemaSet set;
  set.dir_ = dir;
  std::optional<json> meta;
  std::error_code ec;
  if (fs::path meta_file = dir / "meta" / "draft-07.json"; fs::exists(meta_file, ec)) {
    std::string error;
    meta = read_json(meta_file, error);
    if (!meta) problems.push_back({meta_file.string(), 0, 0, "", "schema.json", error});
  }
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() > kSuffix.size() && name.ends_with(kSuffix)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    std::string filename = file.filename().string();
    std::string name = filename.substr(0, filename.size() - kSuffix.size());
    std::string error;
    std::optional<json> doc = read_json(file, error);
    if (!doc) {
      problems.push_back({file.string(), 0, 0, "", "schema.json", error});
      continue;
    }
    if (meta) {
      std::vector<SchemaViolation> violations;
      try {
        violations = check_against_meta(*meta, *doc);
      } catch (const std::exception& e) {
        problems.push_back({(dir / "meta" / "draft-07.json").string(), 0, 0, "", "schema.compile",
                            fmt::format("valijson cannot use the meta-schema: {}", e.what())});
        meta.reset();
      }
      for (const SchemaViolation& v : violations) {
        problems.push_back({file.string(), 0, 0, v.pointer, "schema.meta." + v.keyword,
                            v.message + " (not a valid JSON Schema draft-07 document)"});
      }
      if (!violations.empty()) continue;
    }
    if (std::string why = set.add(name, std::move(*doc)); !why.empty()) {
      problems.push_back(
          {file.string(), 0, 0, "", "schema.compile", "valijson cannot use this schema: " + why});
    }
  }
  return set;
}

bool SchemaSet::contains(std::string_view name) const {
  return entries_.find(name) != entries_.end();
}

const json* SchemaSet::document(std::string_view name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second->document;
}

std::vector<std::string> SchemaSet::names() const {
  std::vector<std::string> out;
  for (const auto& [name, entry] : entries_) out.push_back(name);
  return out;
}

std::vector<SchemaViolation> SchemaSet::validate(std::string_view name, const json& doc) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    return {{"", "schema", fmt::format("no schema '{}' is loaded", name)}};
  }
  std::function<const json*(std::string_view)> other = [this](std::string_view file) {
    std::string_view stem = file.substr(0, file.size() - std::min(file.size(), kSuffix.size()));
    return document(stem);
  };
  SchemaWalker walker(it->second->document, other);
  return validate_compiled(it->second->compiled, doc, walker);
}

std::vector<SchemaViolation> SchemaSet::check_against_meta(const json& meta, const json& schema) {
  valijson::Schema compiled;
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  valijson::adapters::NlohmannJsonAdapter adapter(meta);
  parser.populateSchema(adapter, compiled);
  std::function<const json*(std::string_view)> none = [](std::string_view) -> const json* {
    return nullptr;
  };
  SchemaWalker walker(meta, none);
  return validate_compiled(compiled, schema, walker);
}

std::vector<Problem> to_problems(const std::vector<SchemaViolation>& violations,
                                 const std::string& file, const SourceMap* positions) {
  std::vector<Problem> out;
  for (const SchemaViolation& v : violations) {
    SourcePos pos = positions != nullptr ? positions->locate(v.pointer) : SourcePos{};
    out.push_back({file, pos.line, pos.column, v.pointer, "schema." + v.keyword, v.message});
  }
  return out;
}

}  // namespace agentsys::config
