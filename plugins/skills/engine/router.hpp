#pragma once
// skill_router: ranks the skills of a catalogue for a request and decides which one serves it,
// or that none does. Ranking is the index's BM25F (skill_index.hpp); then, in order:
// disabled skills and those the tenant may not use are removed; `forbid` rules whose pattern
// matches the request remove their skill; the first `force` rule that matches (and names a
// skill of the catalogue) puts its skill
// first with confidence 1; otherwise the top skill's confidence is
//   coverage(request, skill) ^ coverage_exponent x (1 - exp(-score / score_scale))
// (the share of the request's idf mass the skill matches, times a saturating score)
// and below `threshold` the answer is no skill. docs/skills.md explains each part.
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "router_settings.hpp"
#include "skill.hpp"
#include "skill_index.hpp"

namespace agentsys::skills {

struct Candidate {
  std::string skill;
  double score = 0;       ///< BM25F (a forced skill: its own score, or 0)
  double confidence = 0;  ///< 0..1
  std::string why;        ///< the terms matched, the rule that fired
};

struct RouteAnswer {
  std::optional<std::string> skill;   ///< nullopt: no skill fits
  double confidence = 0;              ///< the top candidate's
  std::vector<Candidate> candidates;  ///< at most `top`, best first
};

struct RouteRequest {
  std::string_view text;
  std::string_view tenant;  ///< "" for none
  size_t top = 0;           ///< 0: the settings' top
};

class Router {
 public:
  /// Indexes `skills`; with a body weight above 0, their `bodies` (same order) too, read from
  /// disk when not given.
  Router(std::vector<Skill> skills, const RouterSettings& settings,
         std::vector<std::string> bodies = {});

  [[nodiscard]] RouteAnswer route(const RouteRequest& request) const;
  [[nodiscard]] const SkillIndex& index() const { return index_; }
  [[nodiscard]] const RouterSettings& settings() const { return settings_; }

 private:
  [[nodiscard]] bool allowed(const std::string& skill, std::string_view tenant) const;
  [[nodiscard]] static bool applies(const RouteRule& rule, std::string_view tenant);
  /// Per skill (index order), whether `tenant` may not use it; nullptr when it may use all.
  [[nodiscard]] const std::vector<char>* blocked_for(std::string_view tenant) const;

  RouterSettings settings_;
  SkillIndex index_;
  /// allowed() of every skill, computed once: per tenant with a policy, and for the others.
  std::map<std::string, std::vector<char>, std::less<>> blocked_by_tenant_;
  std::vector<char> blocked_;                 ///< disabled skills; empty when none are
  std::set<std::string, std::less<>> names_;  ///< a force rule naming no skill forces nothing
};

}  // namespace agentsys::skills
