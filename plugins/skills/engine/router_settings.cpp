#include "router_settings.hpp"

#include <stdexcept>

namespace agentsys::skills {
using json = nlohmann::json;

namespace {

[[noreturn]] void bad(const std::string& key, const std::string& expected) {
  throw std::invalid_argument("config/skills: '" + key + "' must be " + expected);
}

const json& member(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

double number(const json& table, const char* key, const std::string& path, double fallback,
              double min, double max) {
  const json& v = member(table, key);
  if (v.is_null()) return fallback;
  if (!v.is_number() || v.get<double>() < min || v.get<double>() > max) {
    bad(path + key, "a number in " + std::to_string(min) + ".." + std::to_string(max));
  }
  return v.get<double>();
}

bool flag(const json& table, const char* key, const std::string& path, bool fallback) {
  const json& v = member(table, key);
  if (v.is_null()) return fallback;
  if (!v.is_boolean()) bad(path + key, "true or false");
  return v.get<bool>();
}

std::set<std::string> names(const json& list, const std::string& path) {
  std::set<std::string> out;
  if (list.is_null()) return out;
  if (!list.is_array()) bad(path, "a list of skill names");
  for (const json& n : list) {
    if (!n.is_string()) bad(path, "a list of skill names");
    out.insert(n.get<std::string>());
  }
  return out;
}

void read_ranking(const json& r, RouterSettings& s, const std::string& p) {
  IndexOptions& o = s.index;
  o.weights.name = number(r, "name_weight", p, o.weights.name, 0, 100);
  o.weights.description = number(r, "description_weight", p, o.weights.description, 0, 100);
  o.weights.body = number(r, "body_weight", p, o.weights.body, 0, 100);
  o.k1 = number(r, "k1", p, o.k1, 0, 10);
  o.b_name = number(r, "b_name", p, o.b_name, 0, 1);
  o.b_description = number(r, "b_description", p, o.b_description, 0, 1);
  o.b_body = number(r, "b_body", p, o.b_body, 0, 1);
  o.typo_correction = flag(r, "typo_correction", p, o.typo_correction);
  o.compounds = flag(r, "compounds", p, o.compounds);
  o.glossary_weight = number(r, "glossary_weight", p, o.glossary_weight, 0, 10);
  o.typo_weight = number(r, "typo_weight", p, o.typo_weight, 0, 10);
  o.unknown_cjk_weight = number(r, "unknown_cjk_weight", p, o.unknown_cjk_weight, 0, 10);
  s.tokenizer.stem = flag(r, "stemming", p, s.tokenizer.stem);
  s.tokenizer.stop_words = flag(r, "stop_words", p, s.tokenizer.stop_words);
  s.tokenizer.cjk_bigrams = flag(r, "cjk_bigrams", p, s.tokenizer.cjk_bigrams);
  s.score_scale = number(r, "score_scale", p, s.score_scale, 0.001, 1000);
  s.coverage_exponent = number(r, "coverage_exponent", p, s.coverage_exponent, 0, 10);
}

RouteRule read_rule(const json& r, const std::string& p) {
  if (!r.is_object()) bad(p.substr(0, p.size() - 1), "a table {name, pattern, force|forbid}");
  RouteRule rule;
  rule.name = member(r, "name").is_string() ? member(r, "name").get<std::string>()
                                            : p.substr(0, p.size() - 1);
  if (!member(r, "pattern").is_string()) bad(p + "pattern", "a regular expression (a string)");
  rule.pattern = member(r, "pattern").get<std::string>();
  try {
    rule.compiled =
        std::regex(rule.pattern, std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
  } catch (const std::regex_error& e) {
    bad(p + "pattern", std::string("a valid ECMAScript regular expression (") + e.what() + ")");
  }
  const bool force = member(r, "force").is_string();
  const bool forbid = member(r, "forbid").is_string();
  if (force == forbid) bad(p + "force", "set, or 'forbid' set (a skill name), not both");
  rule.action = force ? RouteRule::Action::force : RouteRule::Action::forbid;
  rule.skill = member(r, force ? "force" : "forbid").get<std::string>();
  for (const std::string& t : names(member(r, "tenants"), p + "tenants")) rule.tenants.push_back(t);
  return rule;
}

void read_glossary(const std::string& stem, const json& terms, Glossary& glossary) {
  if (terms.is_null()) return;
  if (!terms.is_object()) bad(stem + ".terms", "a table of \"phrase\" = \"english words\"");
  for (const auto& [phrase, english] : terms.items()) {
    if (english.is_string()) {
      glossary.add(phrase, english.get<std::string>());
    } else if (english.is_array()) {
      for (const json& e : english) {
        if (!e.is_string()) bad(stem + ".terms." + phrase, "a string or a list of strings");
        glossary.add(phrase, e.get<std::string>());
      }
    } else {
      bad(stem + ".terms." + phrase, "a string or a list of strings");
    }
  }
}

/// One file of config/skills/ (`stem`: its name): scalars replace earlier files' values, rules
/// are appended, tenants, disabled skills and glossary terms merged.
void apply_file(const std::string& stem, const json& file, RouterSettings& s, bool& glossary_on) {
  const std::string p = stem + ".";
  if (!file.is_object()) bad(stem, "a table (config/skills/" + stem + ".toml)");
  s.threshold = number(file, "threshold", p, s.threshold, 0, 1);
  s.top = static_cast<size_t>(number(file, "top", p, static_cast<double>(s.top), 1, 100));
  read_ranking(member(file, "ranking"), s, p + "ranking.");
  glossary_on = flag(member(file, "ranking"), "glossary", p + "ranking.", glossary_on);
  const json& rules = member(file, "rules");
  if (!rules.is_null() && !rules.is_array()) bad(p + "rules", "a list of [[rules]] tables");
  for (size_t i = 0; rules.is_array() && i < rules.size(); ++i) {
    s.rules.push_back(read_rule(rules[i], p + "rules[" + std::to_string(i) + "]."));
  }
  for (const std::string& d : names(member(file, "disabled"), p + "disabled")) s.disabled.insert(d);
  const json& tenants = member(file, "tenants");
  if (!tenants.is_null() && !tenants.is_object()) bad(p + "tenants", "a table of tenants");
  if (tenants.is_object()) {
    for (const auto& [tenant, policy] : tenants.items()) {
      const std::string tp = p + "tenants." + tenant + ".";
      TenantPolicy& t = s.tenants[tenant];
      for (const std::string& a : names(member(policy, "allow"), tp + "allow")) t.allow.insert(a);
      for (const std::string& d : names(member(policy, "deny"), tp + "deny")) t.deny.insert(d);
    }
  }
}

}  // namespace

RouterSettings parse_router_settings(const json& plugin_config) {
  RouterSettings s;
  if (member(plugin_config, "skills_dir").is_string()) {
    s.skills_dir = member(plugin_config, "skills_dir").get<std::string>();
  }
  const json& section = member(plugin_config, "skills");
  if (!section.is_object()) return s;
  bool glossary_on = true;
  for (const auto& [stem, file] : section.items()) apply_file(stem, file, s, glossary_on);
  if (!glossary_on) return s;
  for (const auto& [stem, file] : section.items())
    read_glossary(stem, member(file, "terms"), *s.glossary);
  return s;
}

}  // namespace agentsys::skills
