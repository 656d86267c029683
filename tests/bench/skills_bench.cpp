// The skills domain's engine (plugins/skills/engine/) at 1,000 skills: 1,000 SKILL.md folders
// written to a temporary directory, derived from the 50 bundled skills (each bundled skill 20
// times, its description mixed with words of another skill's, its body kept), the shipped
// router settings and glossary; the requests are the bundled labelled queries.
//   BM_SkillsRoute1000       one request among 1,000 skills; counters p50_us, p99_us
//                            targets: p50 <= 20 us, p99 <= 100 us
//   BM_SkillsIndex1000       scan 1,000 folders from disk, parse, read the bodies, index;
//                            counter index_MB (the index's heap)   targets: <= 100 ms, <= 20 MB
//   BM_SkillsEval10k         `skills eval` of 10,000 queries over 1,000 skills; target <= 1 s
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "config/toml_to_json.hpp"
#include "evaluation.hpp"
#include "router.hpp"
#include "skill_parser.hpp"
#include "test_paths.h"

namespace agentsys::bench {

void fail(benchmark::State& state, const std::string& message);  // main.cpp

namespace {

namespace fs = std::filesystem;
using namespace agentsys::skills;

constexpr size_t kSkills = 1000;

fs::path source(const std::string& relative) {
  return fs::path(AGENTSYS_TEST_SOURCE_DIR) / relative;
}

/// The shipped settings: config/skills/router.toml's values are the engine's defaults; the
/// glossary is read from config/skills/glossary.toml.
RouterSettings shipped_settings() {
  RouterSettings s;
  s.index.weights.body = 0.3;
  const config::ParsedToml glossary =
      config::parse_toml_file(source("config/skills/glossary.toml"), "glossary.toml");
  const nlohmann::json terms = glossary.document.value("terms", nlohmann::json::object());
  for (const auto& [phrase, english] : terms.items()) {
    if (english.is_string()) s.glossary->add(phrase, english.get<std::string>());
  }
  return s;
}

std::vector<std::string> words_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

/// 1,000 skill folders under a fresh temporary directory (made once, removed at exit).
struct Corpus {
  fs::path dir;
  Corpus() {
    dir = fs::temp_directory_path() / ("agentsys-skills-bench-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    const Catalog bundled = scan_skills(source("examples/skills/library"));
    std::mt19937 rng(42);
    for (size_t i = 0; i < kSkills; ++i) {
      const Skill& base = bundled.skills[i % bundled.skills.size()];
      const Skill& other = bundled.skills[rng() % bundled.skills.size()];
      std::vector<std::string> mix = words_of(other.description);
      std::shuffle(mix.begin(), mix.end(), rng);
      mix.resize(std::min<size_t>(mix.size(), 12));
      std::string description = base.description;
      for (const std::string& w : mix) description += " " + w;
      description = description.substr(0, 1024);
      const std::string name = base.name + "-v" + std::to_string(i / bundled.skills.size());
      fs::create_directories(dir / name);
      std::ofstream(dir / name / "SKILL.md")
          << "---\nname: " << name << "\ndescription: \"" << escape(description) << "\"\n---\n"
          << read_body(base);
    }
  }
  ~Corpus() { fs::remove_all(dir); }
  static std::string escape(const std::string& text) {
    std::string out;
    for (char c : text) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    return out;
  }
};

const Corpus& corpus() {
  static const Corpus c;
  return c;
}

const std::vector<LabelledQuery>& queries() {
  static const std::vector<LabelledQuery> q = read_queries(source("examples/skills/queries.jsonl"));
  return q;
}

const Router& router() {
  static const Router r(scan_skills(corpus().dir).skills, shipped_settings());
  return r;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

void BM_SkillsRoute1000(benchmark::State& state) {
  const Router& r = router();
  if (r.index().size() != kSkills) return fail(state, "the corpus did not index 1,000 skills");
  const auto& q = queries();
  std::vector<double> us;
  size_t i = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    RouteAnswer a = r.route({q[i % q.size()].query, "", 0});
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                     .count());
    benchmark::DoNotOptimize(a);
    ++i;
  }
  state.counters["p50_us"] = percentile(us, 0.50);
  state.counters["p99_us"] = percentile(us, 0.99);
}
BENCHMARK(BM_SkillsRoute1000);

void BM_SkillsIndex1000(benchmark::State& state) {
  const RouterSettings settings = shipped_settings();
  const fs::path dir = corpus().dir;
  size_t bytes = 0;
  for (auto _ : state) {
    Router r(scan_skills(dir).skills, settings);
    bytes = r.index().memory_bytes();
    benchmark::DoNotOptimize(r);
  }
  state.counters["index_MB"] = static_cast<double>(bytes) / (1024.0 * 1024.0);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kSkills));
}
BENCHMARK(BM_SkillsIndex1000)->Unit(benchmark::kMillisecond);

void BM_SkillsEval10k(benchmark::State& state) {
  const Router& r = router();
  std::vector<LabelledQuery> tenk;
  for (size_t i = 0; i < 10000; ++i) tenk.push_back(queries()[i % queries().size()]);
  for (auto _ : state) {
    Evaluation e = evaluate(r, tenk);
    benchmark::DoNotOptimize(e);
  }
}
BENCHMARK(BM_SkillsEval10k)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace agentsys::bench
