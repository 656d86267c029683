#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "command_args.hpp"
#include "evaluation.hpp"
#include "skills_commands.hpp"
#include "skills_json.hpp"

namespace agentsys::skills {
using json = nlohmann::json;

namespace {

constexpr const char* kRouteUsage =
    "agentsys skills route TEXT [--skills-dir DIR] [--top K] [--tenant T] [--json]";
constexpr const char* kEvalUsage =
    "agentsys skills eval --queries FILE.jsonl [--skills-dir DIR] [--json]";

constexpr const char* kRouteHelp =
    "Usage: agentsys skills route \"TEXT\" [--skills-dir DIR] [--top K] [--tenant T] [--json]\n\n"
    "Rank the skills for a request (English, Chinese or both) and say which one serves it, or\n"
    "that none does (confidence below the configured threshold). Each candidate comes with its\n"
    "score and why: the request terms it matched, the rule that fired.\n\n"
    "Options:\n"
    "  --skills-dir DIR   the skills folder (default: the module's config.skills_dir)\n"
    "  --top K            candidates shown, 1..100 (default: config/skills/ top, 3)\n"
    "  --tenant T         route as tenant T (its allow and deny lists, its rules)\n"
    "  --json             print {\"skill\": NAME|null, \"confidence\", \"candidates\": "
    "[{\"skill\", \"score\", \"why\"}]}\n"
    "  -h, --help         show this help\n";

constexpr const char* kEvalHelp =
    "Usage: agentsys skills eval --queries FILE.jsonl [--skills-dir DIR] [--json]\n\n"
    "Route every labelled query of FILE (one {\"query\": \"...\", \"expected\": NAME|null} a "
    "line;\n"
    "null: no skill fits) and print top-1 accuracy, top-3 recall and MRR (over the queries\n"
    "with a skill; MRR looks at the first 10), the precision and recall of 'no skill', and the\n"
    "first misses.\n"
    "Exit 0 whatever the score.\n\n"
    "Options:\n"
    "  --queries FILE     the labelled queries (required)\n"
    "  --skills-dir DIR   the skills folder (default: the module's config.skills_dir)\n"
    "  --json             print {\"n\", \"top1_accuracy\", \"top3_recall\", \"mrr\",\n"
    "                     \"no_skill_precision\", \"no_skill_recall\", \"per_query\"}\n"
    "  -h, --help         show this help\n";

/// The misses `skills eval` prints (all of them are in --json's per_query).
constexpr size_t kMissesShown = 15;

std::string percent(const std::optional<double>& v) {
  return v ? fmt::format("{:.1f}%", *v * 100) : std::string("n/a");
}

CommandResult route(SkillsFolders& folders, const Call& call, const Args& args) {
  const std::string text = args.value("text");
  if (text.empty()) {
    throw Error(AS_ERR_INVALID_INPUT,
                "skills route: TEXT is required: agentsys skills route \"what the user asked\"");
  }
  const size_t top = args.number("top", folders.settings().top, 1, 100, "skills route");
  const auto state = folders.catalog(call, args.value("skills-dir"));
  const std::string tenant = args.value("tenant");
  const RouteAnswer answer = state->router->route({text, tenant, top});
  if (args.on("json")) return {answer_json(answer).dump(2) + "\n", "", 0};
  std::string out;
  if (answer.skill) {
    out = fmt::format("skill: {} (confidence {:.2f})\n", *answer.skill, answer.confidence);
  } else if (answer.candidates.empty()) {
    out = "no skill fits: no skill matches any word of the request\n";
  } else {
    out = fmt::format(
        "no skill fits: the best, {}, has confidence {:.2f}, below the threshold {:.2f}\n",
        answer.candidates.front().skill, answer.confidence, state->router->settings().threshold);
  }
  for (size_t i = 0; i < answer.candidates.size(); ++i) {
    const Candidate& c = answer.candidates[i];
    out += fmt::format("  {}. {:<32} score {:>7.3f}  {}\n", i + 1, c.skill, c.score, c.why);
  }
  return {out, "", 0};
}

CommandResult eval(SkillsFolders& folders, const Call& call, const Args& args) {
  const std::string file = args.value("queries");
  if (file.empty()) {
    throw Error(AS_ERR_INVALID_INPUT,
                "skills eval: --queries FILE.jsonl is required (see agentsys skills eval --help)");
  }
  std::vector<LabelledQuery> queries;
  try {
    queries = read_queries(file);
  } catch (const std::runtime_error& e) {
    throw Error(AS_ERR_INVALID_INPUT, std::string("skills eval: ") + e.what());
  }
  const auto state = folders.catalog(call, args.value("skills-dir"));
  const Evaluation e = evaluate(*state->router, queries);
  if (args.on("json")) return {evaluation_json(e).dump(2) + "\n", "", 0};
  std::string out = fmt::format(
      "queries: {}\ntop-1 accuracy: {}\ntop-3 recall: {}\nMRR: {}\nno-skill precision: {}\n"
      "no-skill recall: {}\n",
      e.n, percent(e.top1_accuracy), percent(e.top3_recall),
      e.mrr ? fmt::format("{:.3f}", *e.mrr) : std::string("n/a"), percent(e.no_skill_precision),
      percent(e.no_skill_recall));
  size_t missed = 0;
  for (const QueryOutcome& q : e.per_query) {
    if (q.got == q.expected) continue;
    if (++missed <= kMissesShown) {
      out += fmt::format("  miss: {} -- expected {}, got {}\n", q.query,
                         q.expected.value_or("(none)"), q.got.value_or("(none)"));
    }
  }
  if (missed > kMissesShown) {
    out +=
        fmt::format("  ... and {} more misses (--json lists every query)\n", missed - kMissesShown);
  }
  return {out, "", 0};
}

}  // namespace

std::vector<Command> routing_commands() {
  return {{"skills", "route", kRouteUsage, "Rank the skills for a request and pick one, or none."},
          {"skills", "eval", kEvalUsage,
           "Measure routing on labelled queries (accuracy, recall, MRR)."}};
}

CommandResult run_routing_command(SkillsFolders& folders, const Call& call) {
  const std::string action(call.action());
  const std::vector<std::string> argv = command_args(call.input());
  if (action == "skills route") {
    Args a =
        parse_args({"skills route", {"skills-dir", "top", "tenant"}, {"json"}, {"text"}}, argv);
    return a.help ? CommandResult{kRouteHelp, "", 0} : route(folders, call, a);
  }
  if (action == "skills eval") {
    Args a = parse_args({"skills eval", {"skills-dir", "queries"}, {"json"}, {}}, argv);
    return a.help ? CommandResult{kEvalHelp, "", 0} : eval(folders, call, a);
  }
  throw Error(AS_ERR_UNSUPPORTED, "unknown command '" + action + "'");
}

}  // namespace agentsys::skills
