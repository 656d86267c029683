#pragma once
// The JSON forms the skills commands and plugins answer with (docs/skills.md, "JSON").
#include <nlohmann/json.hpp>

#include "evaluation.hpp"
#include "finding.hpp"
#include "router.hpp"
#include "skill.hpp"

namespace agentsys::skills {

/// {"name", "description", "path", "license", "compatibility", "metadata", "allowed_tools"}
/// (absent optional fields are null, or {} and []).
nlohmann::json skill_json(const Skill& skill);
/// {"file", "line", "field", "severity": "error"|"warning", "message"}
nlohmann::json finding_json(const Finding& finding);
/// {"skill": NAME|null, "confidence", "candidates": [{"skill", "score", "why"}]}
nlohmann::json answer_json(const RouteAnswer& answer);
/// {"n", "top1_accuracy", "top3_recall", "mrr", "no_skill_precision", "no_skill_recall",
///  "per_query": [{"query", "expected", "got", "rank"}]}
nlohmann::json evaluation_json(const Evaluation& evaluation);

/// A number rounded to 4 decimals, for output.
double rounded(double value);

}  // namespace agentsys::skills
