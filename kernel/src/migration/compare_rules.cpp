#include "migration/compare_rules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <stdexcept>

namespace agentsys::migration {
using json = nlohmann::json;

namespace {

constexpr std::string_view kReservedNames[] = {kDefaultRuleName, kV2FailedRuleName,
                                               kV1FailedRuleName, kDuplicateKeyRuleName};

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 64 || s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

std::string type_name(const json& v) { return v.type_name(); }

class Parser {
 public:
  explicit Parser(std::vector<RuleProblem>& problems) : problems_(problems) {}

  void problem(std::string path, std::string rule, std::string message) {
    problems_.push_back({std::move(path), std::move(rule), std::move(message)});
  }

  std::optional<TruthSpec> truth(const json& t) {
    const auto name = [&](const char* key) -> std::string {
      if (t.is_object() && t.contains(key) && t[key].is_string() &&
          !t[key].get<std::string>().empty()) {
        return t[key].get<std::string>();
      }
      problem(
          std::string("/truth/") + key, "compare.truth",
          fmt::format("truth.{} must name {} (a non-empty string)", key,
                      std::string(key) == "input" ? "the task input member holding the right value"
                                                  : "the result field it is the right value of"));
      return {};
    };
    if (!t.is_object()) {
      problem("/truth", "compare.truth", "truth must be a table {input, field}");
      return std::nullopt;
    }
    TruthSpec spec{name("input"), name("field")};
    if (spec.input.empty() || spec.field.empty()) return std::nullopt;
    return spec;
  }

  CompareRules parse(const json& table) {
    CompareRules out;
    if (!table.is_object()) {
      problem("", "compare.type",
              fmt::format("the compare table must be a table, got {}", type_name(table)));
      return out;
    }
    for (const auto& [k, v] : table.items()) {
      if (k != "key" && k != "consistency_threshold" && k != "noise_learning" && k != "rules" &&
          k != "truth") {
        problem("/" + k, "compare.unknown_key",
                fmt::format("unknown key '{}' (allowed: key, consistency_threshold, "
                            "noise_learning, rules, truth)",
                            k));
      }
    }
    if (table.contains("key")) out.key = strings("/key", table["key"], "key", false);
    if (table.contains("consistency_threshold")) {
      const json& t = table["consistency_threshold"];
      if (!t.is_number() || t.get<double>() < 0 || t.get<double>() > 100) {
        problem("/consistency_threshold", "compare.threshold",
                fmt::format("consistency_threshold must be a number of percent from 0 to 100, "
                            "got {}",
                            t.dump()));
      } else {
        out.consistency_threshold = t.get<double>();
      }
    }
    if (table.contains("noise_learning")) {
      if (!table["noise_learning"].is_boolean()) {
        problem("/noise_learning", "compare.type", "noise_learning must be true or false");
      } else {
        out.noise_learning = table["noise_learning"].get<bool>();
      }
    }
    if (table.contains("truth")) out.truth = truth(table["truth"]);
    if (table.contains("rules")) {
      const json& rules = table["rules"];
      if (!rules.is_array()) {
        problem("/rules", "compare.type",
                "rules must be an array of tables ([[...compare.rules]])");
      } else {
        for (size_t i = 0; i < rules.size(); ++i) {
          CompareRule rule;
          if (parse_rule("/rules/" + std::to_string(i), i, rules[i], out.key, rule)) {
            out.rules.push_back(std::move(rule));
            origin_.push_back(i);
          }
        }
      }
    }
    check_names_and_reach(out);
    return out;
  }

 private:
  std::vector<std::string> strings(const std::string& at, const json& v, std::string_view what,
                                   bool allow_pseudo) {
    std::vector<std::string> out;
    if (!v.is_array() || v.empty()) {
      problem(at, "compare.type",
              fmt::format("{} must be a non-empty array of field names, got {}", what, v.dump()));
      return out;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      const json& s = v[i];
      std::string here = at + "/" + std::to_string(i);
      if (!s.is_string() || s.get_ref<const std::string&>().empty()) {
        problem(here, "compare.type",
                fmt::format("{} must hold non-empty strings, got {}", what, s.dump()));
        continue;
      }
      const std::string& name = s.get_ref<const std::string&>();
      if (name == kStatusField) {
        problem(here, "compare.field",
                "'@status' is not governed by rules: a V2 failure or overrun always blocks");
        continue;
      }
      if (name[0] == '@' && (!allow_pseudo || name != kRowField)) {
        problem(here, "compare.field",
                fmt::format("'{}' is not a field: the only pseudo-field {} may name is '@row' "
                            "(row presence)",
                            name, what));
        continue;
      }
      if (name == "*") {
        problem(here, "compare.field", "'*' stands alone: write fields = \"*\"");
        continue;
      }
      if (std::find(out.begin(), out.end(), name) != out.end()) {
        problem(here, "compare.field", fmt::format("'{}' is listed twice", name));
        continue;
      }
      out.push_back(name);
    }
    return out;
  }

  bool parse_normalise(const std::string& at, const json& v, Normalise& n) {
    if (!v.is_array() || v.empty()) {
      problem(at, "compare.normalise",
              "normalise must be a non-empty array of steps: trim, case, empty_null, number, "
              "number:N, timestamp, timestamp:us|ms|s");
      return false;
    }
    bool ok = true;
    std::set<std::string> seen;
    for (size_t i = 0; i < v.size(); ++i) {
      std::string here = at + "/" + std::to_string(i);
      if (!v[i].is_string()) {
        problem(here, "compare.normalise",
                fmt::format("a normalise step is a string, got {}", v[i].dump()));
        ok = false;
        continue;
      }
      const std::string step = v[i];
      const std::string kind = step.substr(0, step.find(':'));
      const bool has_arg = step.find(':') != std::string::npos;
      const std::string arg = has_arg ? step.substr(step.find(':') + 1) : std::string();
      if (!seen.insert(kind).second) {
        problem(here, "compare.normalise",
                fmt::format("step '{}' repeats or contradicts an earlier {} step", step, kind));
        ok = false;
        continue;
      }
      if (kind == "trim" && !has_arg) {
        n.trim = true;
      } else if (kind == "case" && !has_arg) {
        n.fold_case = true;
      } else if (kind == "empty_null" && !has_arg) {
        n.empty_null = true;
      } else if (kind == "number") {
        n.number = true;
        if (has_arg) {
          int d = -1;
          auto [p, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), d);
          if (arg.empty() || ec != std::errc() || p != arg.data() + arg.size() || d < 0 || d > 12) {
            problem(here, "compare.normalise",
                    fmt::format("'{}': N in number:N is a whole number of decimals from 0 to 12",
                                step));
            ok = false;
            continue;
          }
          n.decimals = d;
        }
      } else if (kind == "timestamp") {
        if (!has_arg || arg == "us") {
          n.timestamp = Normalise::Timestamp::us;
        } else if (arg == "ms") {
          n.timestamp = Normalise::Timestamp::ms;
        } else if (arg == "s") {
          n.timestamp = Normalise::Timestamp::s;
        } else {
          problem(here, "compare.normalise",
                  fmt::format("'{}': the unit of timestamp:UNIT is us, ms or s", step));
          ok = false;
        }
      } else {
        problem(here, "compare.normalise",
                fmt::format("unknown normalise step '{}' (known: trim, case, empty_null, number, "
                            "number:N, timestamp, timestamp:us|ms|s)",
                            step));
        ok = false;
      }
    }
    return ok;
  }

  bool parse_rule(const std::string& at, size_t index, const json& r,
                  const std::vector<std::string>& key, CompareRule& rule) {
    if (!r.is_object()) {
      problem(at, "compare.type", fmt::format("a rule must be a table, got {}", type_name(r)));
      return false;
    }
    const size_t before = problems_.size();
    static const std::set<std::string> kKeys = {"name",      "fields", "method", "abs",   "rel",
                                                "normalise", "grade",  "within", "reason"};
    for (const auto& [k, v] : r.items()) {
      if (kKeys.count(k) == 0) {
        problem(at + "/" + k, "compare.unknown_key",
                fmt::format("unknown key '{}' in a rule (allowed: name, fields, method, abs, rel, "
                            "normalise, grade, within, reason)",
                            k));
      }
    }
    rule.name = fmt::format("rules[{}]", index);
    if (r.contains("name")) {
      const json& n = r["name"];
      if (!n.is_string() || !valid_name(n.get_ref<const std::string&>())) {
        problem(at + "/name", "compare.name",
                fmt::format("a rule name is [a-z][a-z0-9_.-]* (at most 64 characters), got {}",
                            n.dump()));
      } else if (std::find(std::begin(kReservedNames), std::end(kReservedNames),
                           n.get_ref<const std::string&>()) != std::end(kReservedNames)) {
        problem(at + "/name", "compare.name",
                fmt::format("'{}' is the name of a rule the comparison makes itself",
                            n.get<std::string>()));
      } else {
        rule.name = n.get<std::string>();
      }
    }
    if (!r.contains("fields")) {
      problem(at, "compare.fields",
              "a rule needs fields: an array of field names, or \"*\" for every field");
    } else if (r["fields"] == "*") {
      rule.all_fields = true;
    } else {
      rule.fields = strings(at + "/fields", r["fields"], "fields", true);
      for (const std::string& f : rule.fields) {
        if (std::find(key.begin(), key.end(), f) != key.end()) {
          problem(at + "/fields", "compare.key_field",
                  fmt::format("'{}' is a key field: rows are matched on it, so it is never "
                              "compared (a row found on one side only is graded by a rule on "
                              "'@row')",
                              f));
        }
      }
    }
    std::string method = "exact";
    bool method_known = true;  // an unknown method is one problem, not one per option
    if (r.contains("method")) {
      const json& m = r["method"];
      if (m == "exact") {
        rule.method = Method::exact;
      } else if (m == "tolerance") {
        rule.method = Method::tolerance;
      } else if (m == "normalise") {
        rule.method = Method::normalise;
      } else if (m == "ignore") {
        rule.method = Method::ignore;
        rule.grade = Grade::ignore;
      } else {
        problem(at + "/method", "compare.method",
                fmt::format("method must be one of exact, tolerance, normalise, ignore, got {}",
                            m.dump()));
        method_known = false;
      }
      if (m.is_string()) method = m.get<std::string>();
    }
    for (const char* bound : {"abs", "rel"}) {
      if (!r.contains(bound)) continue;
      const json& b = r[bound];
      if (!method_known) continue;
      if (rule.method != Method::tolerance) {
        problem(at + "/" + bound, "compare.option",
                fmt::format("{} applies to method = \"tolerance\" only (this rule's method is {})",
                            bound, method));
      } else if (!b.is_number() || b.get<double>() < 0) {
        problem(at + "/" + bound, "compare.tolerance",
                fmt::format("{} must be a number >= 0, got {}", bound, b.dump()));
      } else {
        (std::string_view(bound) == "abs" ? rule.abs : rule.rel) = b.get<double>();
      }
    }
    if (rule.method == Method::tolerance && !r.contains("abs") && !r.contains("rel")) {
      problem(at, "compare.tolerance",
              "method = \"tolerance\" needs abs (absolute bound) or rel (bound relative to V1's "
              "value), or both");
    }
    if (r.contains("normalise") && !method_known) {
      // reported with the method
    } else if (r.contains("normalise")) {
      if (rule.method != Method::normalise) {
        problem(at + "/normalise", "compare.option",
                fmt::format("normalise applies to method = \"normalise\" only (this rule's method "
                            "is {})",
                            method));
      } else {
        parse_normalise(at + "/normalise", r["normalise"], rule.normalise);
      }
    } else if (rule.method == Method::normalise) {
      problem(at, "compare.normalise",
              "method = \"normalise\" needs normalise = [steps], e.g. [\"trim\", \"number:4\"]");
    }
    if (r.contains("grade")) {
      const json& g = r["grade"];
      if (g == "block") {
        rule.grade = Grade::block;
      } else if (g == "warn") {
        rule.grade = Grade::warn;
      } else if (g == "ignore") {
        rule.grade = Grade::ignore;
      } else {
        problem(at + "/grade", "compare.grade",
                fmt::format("grade must be one of block, warn, ignore, got {}", g.dump()));
      }
      if (rule.method == Method::ignore && g != "ignore") {
        problem(at + "/grade", "compare.grade",
                fmt::format("method = \"ignore\" grades every difference ignore; grade {} "
                            "contradicts it",
                            g.dump()));
      }
    }
    if (r.contains("within")) {
      const json& w = r["within"];
      if (!method_known) {
        // reported with the method
      } else if (rule.method != Method::tolerance && rule.method != Method::normalise) {
        problem(at + "/within", "compare.option",
                fmt::format("within applies to methods tolerance and normalise only (this rule's "
                            "method is {})",
                            method));
      } else if (w == "match") {
        rule.within = Within::match;
      } else if (w == "warn") {
        rule.within = Within::warn;
      } else {
        problem(at + "/within", "compare.within",
                fmt::format("within must be match or warn, got {}", w.dump()));
      }
    }
    if (r.contains("reason")) {
      if (!r["reason"].is_string()) {
        problem(at + "/reason", "compare.type", "reason must be a string");
      } else {
        rule.reason = r["reason"].get<std::string>();
      }
    }
    return problems_.size() == before;
  }

  void check_names_and_reach(const CompareRules& rules) {
    std::set<std::string> names;
    bool all_seen = false;
    std::set<std::string> seen;
    for (size_t i = 0; i < rules.rules.size(); ++i) {
      const CompareRule& r = rules.rules[i];
      const std::string at = "/rules/" + std::to_string(origin_[i]);
      if (!names.insert(r.name).second) {
        problem(at + "/name", "compare.name",
                fmt::format("two rules are named '{}': names identify rules in diff.json", r.name));
      }
      bool reachable = r.all_fields ? !all_seen : false;
      for (const std::string& f : r.fields) {
        bool governed = seen.count(f) != 0 || (all_seen && f != kRowField);
        reachable = reachable || !governed;
      }
      if (!reachable) {
        problem(at + "/fields", "compare.unreachable",
                fmt::format("rule '{}' never applies: earlier rules govern all its fields (the "
                            "first rule naming a field wins)",
                            r.name));
      }
      if (r.all_fields) all_seen = true;
      seen.insert(r.fields.begin(), r.fields.end());
    }
  }

  std::vector<RuleProblem>& problems_;
  std::vector<size_t> origin_;  ///< per accepted rule: its index in the table's rules
};

}  // namespace

std::string_view to_string(Grade g) {
  switch (g) {
    case Grade::block: return "block";
    case Grade::warn: return "warn";
    case Grade::ignore: return "ignore";
  }
  return "block";
}

std::string_view to_string(Method m) {
  switch (m) {
    case Method::exact: return "exact";
    case Method::tolerance: return "tolerance";
    case Method::normalise: return "normalise";
    case Method::ignore: return "ignore";
  }
  return "exact";
}

std::string_view to_string(Within w) { return w == Within::warn ? "warn" : "match"; }

std::vector<std::string> Normalise::steps() const {
  std::vector<std::string> out;
  if (trim) out.emplace_back("trim");
  if (fold_case) out.emplace_back("case");
  if (empty_null) out.emplace_back("empty_null");
  if (number) out.push_back(decimals >= 0 ? fmt::format("number:{}", decimals) : "number");
  switch (timestamp) {
    case Timestamp::none: break;
    case Timestamp::us: out.emplace_back("timestamp"); break;
    case Timestamp::ms: out.emplace_back("timestamp:ms"); break;
    case Timestamp::s: out.emplace_back("timestamp:s"); break;
  }
  return out;
}

bool CompareRule::applies_to(std::string_view field) const {
  if (all_fields) return field.empty() || field[0] != '@';
  return std::find(fields.begin(), fields.end(), field) != fields.end();
}

json CompareRule::to_json() const {
  json out{{"name", name},
           {"fields", all_fields ? json("*") : json(fields)},
           {"method", to_string(method)},
           {"grade", to_string(grade)}};
  if (method == Method::tolerance) {
    out["abs"] = abs;
    out["rel"] = rel;
  }
  if (method == Method::normalise) out["normalise"] = normalise.steps();
  if (method == Method::tolerance || method == Method::normalise) out["within"] = to_string(within);
  if (!reason.empty()) out["reason"] = reason;
  return out;
}

const CompareRule& CompareRules::default_rule() {
  static const CompareRule rule = [] {
    CompareRule r;
    r.name = std::string(kDefaultRuleName);
    r.all_fields = true;
    r.reason = "no rule names the field: compared exactly, a difference blocks";
    return r;
  }();
  return rule;
}

const CompareRule& CompareRules::rule_for(std::string_view field) const {
  for (const CompareRule& r : rules) {
    if (r.applies_to(field)) return r;
  }
  return default_rule();
}

json CompareRules::to_json() const {
  json list = json::array();
  for (const CompareRule& r : rules) list.push_back(r.to_json());
  json out{{"key", key},
           {"consistency_threshold", consistency_threshold},
           {"noise_learning", noise_learning},
           {"rules", std::move(list)}};
  if (truth) out["truth"] = {{"input", truth->input}, {"field", truth->field}};
  return out;
}

CompareRules parse_compare_rules(const json& table, std::vector<RuleProblem>& problems) {
  return Parser(problems).parse(table);
}

CompareRules parse_compare_rules(const json& table) {
  std::vector<RuleProblem> problems;
  CompareRules rules = parse_compare_rules(table, problems);
  if (!problems.empty()) {
    const RuleProblem& p = problems.front();
    throw std::invalid_argument(
        fmt::format("{}{}{}", p.path, p.path.empty() ? "" : ": ", p.message));
  }
  return rules;
}

}  // namespace agentsys::migration
