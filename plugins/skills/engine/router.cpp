#include "router.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace agentsys::skills {

namespace {

std::vector<std::string> bodies_of(const std::vector<Skill>& skills, const RouterSettings& s,
                                   std::vector<std::string> given) {
  if (s.index.weights.body <= 0) return {};
  if (given.size() == skills.size()) return given;
  std::vector<std::string> bodies;
  bodies.reserve(skills.size());
  for (const Skill& skill : skills) {
    try {
      bodies.push_back(read_body(skill));
    } catch (const std::exception&) {
      bodies.emplace_back();  // changed since it was parsed: the next reload sees it
    }
  }
  return bodies;
}

std::shared_ptr<const Tokenizer> tokenizer_of(const RouterSettings& s) {
  return std::make_shared<Tokenizer>(s.tokenizer, s.glossary);
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

}  // namespace

Router::Router(std::vector<Skill> skills, const RouterSettings& settings,
               std::vector<std::string> bodies)
    : settings_(settings),
      index_(skills, bodies_of(skills, settings, std::move(bodies)), tokenizer_of(settings),
             settings.index) {
  const auto mask = [&](std::string_view tenant) {
    std::vector<char> blocked(index_.size(), 0);
    bool any = false;
    for (uint32_t d = 0; d < index_.size(); ++d) {
      blocked[d] = allowed(index_.skill(d).name, tenant) ? 0 : 1;
      any = any || blocked[d] != 0;
    }
    return any ? blocked : std::vector<char>();
  };
  blocked_ = mask("");
  for (const Skill& s : index_.skills()) names_.insert(s.name);
  for (const auto& [tenant, policy] : settings_.tenants) blocked_by_tenant_[tenant] = mask(tenant);
}

const std::vector<char>* Router::blocked_for(std::string_view tenant) const {
  auto it = blocked_by_tenant_.find(tenant);
  const std::vector<char>& blocked = it == blocked_by_tenant_.end() ? blocked_ : it->second;
  return blocked.empty() ? nullptr : &blocked;
}

bool Router::applies(const RouteRule& rule, std::string_view tenant) {
  return rule.tenants.empty() ||
         std::find(rule.tenants.begin(), rule.tenants.end(), tenant) != rule.tenants.end();
}

bool Router::allowed(const std::string& skill, std::string_view tenant) const {
  if (settings_.disabled.count(skill) != 0) return false;
  auto it = settings_.tenants.find(std::string(tenant));
  if (it == settings_.tenants.end()) return true;
  const TenantPolicy& p = it->second;
  return p.deny.count(skill) == 0 && (p.allow.empty() || p.allow.count(skill) != 0);
}

RouteAnswer Router::route(const RouteRequest& request) const {
  const size_t top = request.top == 0 ? settings_.top : request.top;
  const ResolvedQuery query = index_.resolve(request.text);
  std::vector<Scored> ranked;
  index_.score(query, ranked);

  std::set<std::string> forbidden;
  const RouteRule* forced = nullptr;
  const std::string text(settings_.rules.empty() ? std::string_view() : request.text);
  for (const RouteRule& rule : settings_.rules) {
    if (!applies(rule, request.tenant) || !std::regex_search(text, rule.compiled)) continue;
    if (rule.action == RouteRule::Action::forbid) {
      forbidden.insert(rule.skill);
    } else if (forced == nullptr && names_.count(rule.skill) != 0 &&
               allowed(rule.skill, request.tenant)) {
      forced = &rule;
    }
  }

  RouteAnswer answer;
  if (forced != nullptr && forbidden.count(forced->skill) == 0) {
    answer.candidates.push_back({forced->skill, 0, 1.0, "rule '" + forced->name + "' (force)"});
  }
  const std::vector<char>* blocked = blocked_for(request.tenant);
  if (blocked != nullptr || !forbidden.empty()) {
    std::erase_if(ranked, [&](const Scored& s) {
      return (blocked != nullptr && (*blocked)[s.doc] != 0) ||
             (!forbidden.empty() && forbidden.count(index_.skill(s.doc).name) != 0);
    });
  }
  index_.rank_best(ranked, top);
  for (const Scored& s : ranked) {
    if (answer.candidates.size() >= top) break;
    const std::string& name = index_.skill(s.doc).name;
    const double confidence = std::pow(index_.coverage(query, s.doc), settings_.coverage_exponent) *
                              (1 - std::exp(-s.score / settings_.score_scale));
    std::string why = "matched " + join(index_.matched(query, s.doc), ", ");
    if (!answer.candidates.empty() && answer.candidates.front().skill == name) {
      answer.candidates.front().score = s.score;
      answer.candidates.front().why += "; " + why;
      continue;
    }
    answer.candidates.push_back({name, s.score, confidence, std::move(why)});
  }
  if (answer.candidates.empty()) return answer;
  answer.confidence = answer.candidates.front().confidence;
  if (answer.confidence >= settings_.threshold) answer.skill = answer.candidates.front().skill;
  return answer;
}

}  // namespace agentsys::skills
