// The telemetry plugin, loaded through the kernel: JSON-lines log with rotation, latency
// quantiles, Prometheus exposition, persistence across instances and processes' flushes.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "host/call_frame.hpp"
#include "plugin/plugin_instance.hpp"
#include "plugin/plugin_library.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace agentsys;
using namespace agentsys::test;
using json = nlohmann::json;

namespace {

std::shared_ptr<const PluginLibrary> telemetry_library() {
  static const std::shared_ptr<const PluginLibrary> library = [] {
    LoadResult r = PluginLibrary::load(bundled("telemetry"));
    REQUIRE_MESSAGE(r, r.error);
    return r.library;
  }();
  return library;
}

std::shared_ptr<PluginInstance> create(HostSink& sink, const json& config) {
  std::string error;
  auto instance = PluginInstance::create(telemetry_library(), sink, config.dump(), error);
  REQUIRE_MESSAGE(instance, error);
  return instance;
}

std::string create_error(std::string_view config) {
  NullSink sink;
  std::string error;
  auto instance = PluginInstance::create(telemetry_library(), sink, config, error);
  CHECK_FALSE(instance);
  return error;
}

InvokeOutcome invoke(PluginInstance& instance, std::string_view action, std::string_view input) {
  CallSpec spec;
  spec.module = "";
  spec.action = action;
  spec.input_json = input;
  CallFrame frame(spec);
  return instance.invoke(frame);
}

json ok(PluginInstance& instance, std::string_view action, const json& input) {
  const std::string text = input.dump();
  InvokeOutcome r = invoke(instance, action, text);
  REQUIRE_MESSAGE(r.status == AS_OK, r.error);
  return json::parse(r.output);
}

json run(std::string module, const json& impl, std::string status, double latency,
         std::string kind = "run") {
  return {{"kind", kind},          {"ts", "2026-11-25T10:00:00.123Z"},
          {"level", "info"},       {"trace_id", "0af7651916cd43dd8448eb211c80319c"},
          {"run_id", "r1"},        {"task_id", "t1"},
          {"module", module},      {"impl", impl},
          {"action", "run"},       {"attempt", 1},
          {"status", status},      {"latency_ms", latency},
          {"error_code", nullptr}, {"message", nullptr}};
}

std::vector<std::string> lines_of(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

const json* find_series(const json& report, const std::string& kind, const std::string& module,
                        const json& impl) {
  for (const auto& s : report["series"]) {
    if (s["kind"] == kind && s["module"] == module && s["impl"] == impl) return &s;
  }
  return nullptr;
}

/// `shape` is literal except 'd', which stands for a digit (std::regex trips GCC 12 warnings
/// under the sanitizers).
bool matches_shape(const std::string& text, std::string_view shape) {
  if (text.size() != shape.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (shape[i] == 'd' ? !std::isdigit(static_cast<unsigned char>(text[i]))
                        : text[i] != shape[i]) {
      return false;
    }
  }
  return true;
}

/// [a-zA-Z_:][a-zA-Z0-9_:]* for metric names, the same without ':' for label names.
bool is_name(const std::string& name, bool metric) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (metric && c == ':');
  });
}

// ---- A small parser for the Prometheus text format, strict enough to catch mistakes. ----

struct Sample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;  // unescaped values
  double value = 0;
  [[nodiscard]] std::string label(const std::string& key) const {
    for (const auto& [k, v] : labels) {
      if (k == key) return v;
    }
    return "<missing>";
  }
};

struct Exposition {
  std::map<std::string, std::string> types;  // family -> type
  std::vector<Sample> samples;
};

double parse_value(const std::string& v) {
  if (v == "+Inf") return INFINITY;
  if (v == "-Inf") return -INFINITY;
  if (v == "NaN") return NAN;
  std::size_t used = 0;
  double d = std::stod(v, &used);
  REQUIRE_MESSAGE(used == v.size(), "bad value '" << v << "'");
  return d;
}

std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  if (types.count(name)) return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      std::string base = name.substr(0, name.size() - s.size());
      if (types.count(base) && types.at(base) == "histogram") return base;
    }
  }
  return "";
}

Exposition parse_exposition(const std::string& text) {
  Exposition e;
  REQUIRE((!text.empty() && text.back() == '\n'));
  std::istringstream in(text);
  std::set<std::string> helped;
  std::set<std::string> finished;
  std::string current;
  for (std::string line; std::getline(in, line);) {
    INFO("line: " << line);
    REQUIRE_FALSE(line.empty());
    if (line[0] == '#') {
      std::istringstream words(line);
      std::string hash, kind, name;
      words >> hash >> kind >> name;
      REQUIRE((kind == "HELP" || kind == "TYPE"));
      REQUIRE(is_name(name, true));
      if (kind == "TYPE") {
        std::string type;
        words >> type;
        REQUIRE((type == "counter" || type == "gauge" || type == "histogram"));
        REQUIRE(e.types.count(name) == 0);
        e.types[name] = type;
      } else {
        helped.insert(name);
      }
      continue;
    }
    Sample s;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    REQUIRE(is_name(s.name, true));
    if (line[i] == '{') {
      ++i;
      while (line[i] != '}') {
        std::size_t eq = line.find('=', i);
        REQUIRE(eq != std::string::npos);
        std::string key = line.substr(i, eq - i);
        REQUIRE(is_name(key, false));
        REQUIRE(line[eq + 1] == '"');
        std::string value;
        std::size_t j = eq + 2;
        for (; line[j] != '"'; ++j) {
          REQUIRE(j < line.size());
          if (line[j] == '\\') {
            ++j;
            REQUIRE((line[j] == '\\' || line[j] == '"' || line[j] == 'n'));
            value += line[j] == 'n' ? '\n' : line[j];
          } else {
            value += line[j];
          }
        }
        for (const auto& [k, v] : s.labels) REQUIRE_MESSAGE(k != key, "duplicate label " << k);
        s.labels.emplace_back(key, value);
        i = j + 1;
        if (line[i] == ',') ++i;
      }
      ++i;
    }
    REQUIRE(line[i] == ' ');
    s.value = parse_value(line.substr(i + 1));
    const std::string family = family_of(s.name, e.types);
    REQUIRE_MESSAGE(!family.empty(), "sample " << s.name << " has no # TYPE");
    REQUIRE(helped.count(family) == 1);
    if (family != current) {
      REQUIRE_MESSAGE(finished.count(family) == 0, "family " << family << " is split");
      if (!current.empty()) finished.insert(current);
      current = family;
    }
    e.samples.push_back(std::move(s));
  }
  return e;
}

/// Checks every histogram: cumulative buckets ending with +Inf == _count.
void check_histograms(const Exposition& e) {
  for (const auto& [family, type] : e.types) {
    if (type != "histogram") continue;
    std::map<std::string, std::vector<const Sample*>> buckets;  // by module/impl
    std::map<std::string, double> counts;
    for (const Sample& s : e.samples) {
      const std::string series = s.label("module") + "/" + s.label("impl");
      if (s.name == family + "_bucket") buckets[series].push_back(&s);
      if (s.name == family + "_count") counts[series] = s.value;
    }
    for (const auto& [series, list] : buckets) {
      INFO(family << " " << series);
      REQUIRE(!list.empty());
      double previous_le = -INFINITY;
      double previous = 0;
      for (const Sample* b : list) {
        const double le = parse_value(b->label("le"));
        CHECK(le > previous_le);
        CHECK(b->value >= previous);
        previous_le = le;
        previous = b->value;
      }
      CHECK(list.back()->label("le") == "+Inf");
      REQUIRE(counts.count(series) == 1);
      CHECK(list.back()->value == counts[series]);
    }
  }
}

}  // namespace

TEST_CASE("telemetry: the descriptor is a thread-safe telemetry plugin without modules") {
  const PluginDescriptor& d = telemetry_library()->descriptor();
  CHECK(d.name == "telemetry");
  CHECK(d.kind == AS_PLUGIN_KIND_TELEMETRY);
  CHECK(d.impl == AS_IMPL_NONE);
  CHECK(d.modules.empty());
  CHECK(d.thread_safe);
}

TEST_CASE("telemetry: every record becomes one JSON line with the required fields") {
  TempDir dir;
  const fs::path file = dir.path() / "logs" / "nested" / "agentsys.jsonl";
  NullSink sink;
  auto t = create(sink, {{"log_file", file.string()}});
  json batch = json::array({run("demo", "v2", "failed", 12.5),
                            {{"kind", "event"}},
                            {{"kind", "event"},
                             {"level", "warn"},
                             {"message", "line\nbreak \"quoted\" \\ \t\x01\x1f é 😀"},
                             {"extra", {{"nested", true}}},
                             {"count", -7},
                             {"big", 18446744073709551615ULL},
                             {"ratio", 0.1},
                             {"flag", false},
                             {"error_code", "E_X"}}});
  batch[0]["error_code"] = "E_TIMEOUT";
  CHECK(ok(*t, "record", batch) == json{{"accepted", 3}});
  CHECK(ok(*t, "record", run("demo", nullptr, "succeeded", 1)) == json{{"accepted", 1}});
  CHECK(ok(*t, "record", json::array()) == json{{"accepted", 0}});
  t.reset();  // flushes

  const auto lines = lines_of(file);
  REQUIRE(lines.size() == 4);
  std::vector<json> parsed;
  for (const auto& line : lines) {
    json j = json::parse(line);  // throws on a bad line
    for (const char* f : {"ts", "level", "kind", "trace_id", "run_id", "task_id", "module", "impl",
                          "action", "attempt", "status", "latency_ms", "error_code", "message"}) {
      CHECK_MESSAGE(j.contains(f), f << " missing in " << line);
    }
    parsed.push_back(j);
  }
  CHECK(parsed[0]["status"] == "failed");
  CHECK(parsed[0]["latency_ms"] == 12.5);
  CHECK(parsed[0]["error_code"] == "E_TIMEOUT");
  CHECK(parsed[0]["trace_id"] == "0af7651916cd43dd8448eb211c80319c");
  CHECK(parsed[0]["ts"] == "2026-11-25T10:00:00.123Z");
  // Missing fields are null; ts and level get defaults.
  CHECK(parsed[1]["trace_id"].is_null());
  CHECK(parsed[1]["latency_ms"].is_null());
  CHECK(parsed[1]["error_code"].is_null());
  CHECK(parsed[1]["level"] == "info");
  CHECK(matches_shape(parsed[1]["ts"].get<std::string>(), "dddd-dd-ddTdd:dd:dd.dddZ"));
  // Strings keep every character through escaping; numbers and booleans keep their value.
  CHECK(parsed[2]["message"] == "line\nbreak \"quoted\" \\ \t\x01\x1f é 😀");
  CHECK(parsed[2]["extra"] == json{{"nested", true}});
  CHECK(parsed[2]["count"] == -7);
  CHECK(parsed[2]["big"] == 18446744073709551615ULL);
  CHECK(parsed[2]["ratio"] == 0.1);
  CHECK(parsed[2]["flag"] == false);
  CHECK(parsed[2]["level"] == "warn");
  CHECK(parsed[3]["impl"].is_null());
  // The fixed fields come first, in a stable order.
  CHECK(lines[1].rfind(R"({"ts":)", 0) == 0);
}

TEST_CASE("telemetry: the log rotates at max_file_bytes and keeps max_files") {
  TempDir dir;
  const fs::path file = dir.path() / "agentsys.jsonl";
  NullSink sink;
  auto t = create(sink, {{"log_file", file.string()}, {"max_file_bytes", 4096}, {"max_files", 2}});
  json batch = json::array();
  for (int i = 0; i < 200; ++i) batch.push_back(run("demo", "v1", "succeeded", i));
  ok(*t, "record", batch);
  CHECK(ok(*t, "flush", json::object())["log_flushed"] == true);
  t.reset();

  CHECK(fs::exists(dir.path() / "agentsys.1.jsonl"));
  CHECK(fs::exists(dir.path() / "agentsys.2.jsonl"));
  CHECK_FALSE(fs::exists(dir.path() / "agentsys.3.jsonl"));
  for (const fs::path& f :
       {file, dir.path() / "agentsys.1.jsonl", dir.path() / "agentsys.2.jsonl"}) {
    CHECK(fs::file_size(f) <= 4096);
    // Rotated files are nearly full, not one line each.
    if (f != file) CHECK(fs::file_size(f) > 4096 - 400);
    for (const auto& line : lines_of(f)) {
      json parsed;
      CHECK_NOTHROW(parsed = json::parse(line));
    }
  }
  // The newest line is in the live file.
  auto live = lines_of(file);
  REQUIRE_FALSE(live.empty());
  CHECK(json::parse(live.back())["latency_ms"] == 199);
}

TEST_CASE("telemetry: latency quantiles are within 2% and counts are by status") {
  NullSink sink;
  auto t = create(sink, json::object());
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> latency(std::log(120.0), 1.2);
  std::vector<double> samples;
  std::map<std::string, int> statuses;
  json batch = json::array();
  for (int i = 0; i < 10000; ++i) {
    const double ms = latency(rng);
    samples.push_back(ms);
    const std::string status = i % 10 == 0 ? "failed" : i % 25 == 1 ? "timed_out" : "succeeded";
    ++statuses[status];
    batch.push_back({{"kind", "run"},
                     {"module", "report_orchestrator"},
                     {"impl", "v2"},
                     {"status", status},
                     {"latency_ms", ms}});
    if (batch.size() == 500) {
      ok(*t, "record", batch);
      batch = json::array();
    }
  }
  ok(*t, "record", json::array({run("report_orchestrator", "v2", "succeeded", 1, "attempt")}));
  const json report = ok(*t, "metrics", {{"format", "json"}});
  const json* s = find_series(report, "run", "report_orchestrator", "v2");
  REQUIRE(s != nullptr);
  CHECK((*s)["count"] == 10000);
  for (const auto& [status, n] : statuses) CHECK((*s)["by_status"][status] == n);
  CHECK((*s)["by_status"].size() == 3);

  std::sort(samples.begin(), samples.end());
  const json& l = (*s)["latency_ms"];
  for (const auto& [q, key] : {std::pair{0.5, "p50"}, {0.95, "p95"}, {0.99, "p99"}}) {
    const double exact = samples[static_cast<std::size_t>(std::ceil(q * 10000)) - 1];
    const double got = l[key].get<double>();
    INFO(key << " exact " << exact << " got " << got);
    CHECK(std::abs(got - exact) / exact <= 0.02);
  }
  CHECK(l["min"].get<double>() == samples.front());
  CHECK(l["max"].get<double>() == samples.back());
  double sum = 0;
  for (double v : samples) sum += v;
  CHECK(l["sum"].get<double>() == doctest::Approx(sum).epsilon(1e-9));
  CHECK(l["count"] == 10000);

  const json* attempt = find_series(report, "attempt", "report_orchestrator", "v2");
  REQUIRE(attempt != nullptr);
  CHECK((*attempt)["count"] == 1);
  CHECK((*attempt)["latency_ms"]["p99"] == 1);  // clamped to [min, max]
}

TEST_CASE("telemetry: the Prometheus exposition is well-formed") {
  NullSink sink;
  auto t = create(sink, json::object());
  json batch = json::array();
  for (int i = 0; i < 300; ++i) {
    batch.push_back(run("skill_router", "v1", i % 3 ? "succeeded" : "failed", 0.0004 * i * i));
    batch.push_back(run("skill_router", "v2", "succeeded", 5000.0 * i));       // up to 25 min
    batch.push_back(run("mcp_connector", nullptr, "failed", 2e7, "attempt"));  // beyond 1 h
  }
  batch.push_back(run("odd \"module\"\\name\n", "v2", "succeeded", 3));
  json no_latency = run("skill_router", "v1", "cancelled", 0);
  no_latency.erase("latency_ms");
  batch.push_back(no_latency);
  ok(*t, "record", batch);
  ok(*t, "metric",
     json::array(
         {{{"plugin", "demo_v2"}, {"name", "calls"}, {"value", 1.5}, {"labels", {{"k", "v"}}}},
          {{"plugin", "demo_v2"}, {"name", "calls"}, {"value", 2}, {"labels", {{"k", "v"}}}},
          {{"plugin", "demo_v2"},
           {"name", "odd"},
           {"value", -1},
           {"labels", {{"bad-key", "a\"b"}, {"name", "clash"}, {"9x", "\\"}}}}}));

  const json out = ok(*t, "metrics", {{"format", "prometheus"}});
  const std::string text = out["text"].get<std::string>();
  INFO(text);
  const Exposition e = parse_exposition(text);
  CHECK(e.types.at("agentsys_runs_total") == "counter");
  CHECK(e.types.at("agentsys_attempts_total") == "counter");
  CHECK(e.types.at("agentsys_run_latency_ms") == "histogram");
  CHECK(e.types.at("agentsys_run_latency_ms_quantile") == "gauge");
  CHECK(e.types.at("agentsys_plugin_metric_total") == "counter");
  check_histograms(e);

  std::map<std::string, double> values;  // "name|labels" -> value
  for (const Sample& s : e.samples) {
    std::string key = s.name;
    for (const auto& [k, v] : s.labels) key += "|" + k + "=" + v;
    values[key] = s.value;
  }
  CHECK(values["agentsys_runs_total|module=skill_router|impl=v1|status=failed"] == 100);
  CHECK(values["agentsys_runs_total|module=skill_router|impl=v1|status=succeeded"] == 200);
  CHECK(values["agentsys_runs_total|module=skill_router|impl=v1|status=cancelled"] == 1);
  CHECK(values["agentsys_attempts_total|module=mcp_connector|impl=none|status=failed"] == 300);
  CHECK(values["agentsys_runs_total|module=odd \"module\"\\name\n|impl=v2|status=succeeded"] == 1);
  CHECK(values["agentsys_run_latency_ms_count|module=skill_router|impl=v1"] == 300);
  // 0.0004 i^2 <= 1 for i <= 50; le buckets have the fine histogram's 2% resolution.
  const double le1 = values["agentsys_run_latency_ms_bucket|module=skill_router|impl=v1|le=1"];
  CHECK(le1 >= 50);
  CHECK(le1 <= 52);
  CHECK(values["agentsys_attempt_latency_ms_bucket|module=mcp_connector|impl=none|le=3600000"] ==
        0);
  CHECK(
      values["agentsys_attempt_latency_ms_quantile|module=mcp_connector|impl=none|quantile=0.99"] ==
      2e7);
  CHECK(values.count("agentsys_run_latency_ms_quantile|module=skill_router|impl=v2|quantile=0.5"));
  CHECK(values["agentsys_plugin_metric_total|plugin=demo_v2|name=calls|k=v"] == 3.5);
  CHECK(
      values["agentsys_plugin_metric_total|plugin=demo_v2|name=odd|_9x=\\|bad_key=a\"b|label_name="
             "clash"] == -1);
}

TEST_CASE("telemetry: metrics accumulate across instances through metrics_dir") {
  TempDir dir;
  const json config = {{"metrics_dir", (dir.path() / "metrics").string()}};
  NullSink sink;
  {
    auto a = create(sink, config);
    ok(*a, "record",
       json::array({run("demo", "v1", "succeeded", 10), run("demo", "v1", "failed", 20),
                    run("demo", "v1", "succeeded", 30)}));
    ok(*a, "metric", {{"plugin", "demo_v2"}, {"name", "calls"}, {"value", 2}});
  }  // destroy persists
  CHECK(fs::exists(dir.path() / "metrics" / "metrics.json"));
  CHECK(fs::exists(dir.path() / "metrics" / "metrics.prom"));
  CHECK(parse_exposition(slurp(dir.path() / "metrics" / "metrics.prom")).samples.size() > 3);
  {
    auto b = create(sink, config);
    ok(*b, "record",
       json::array({run("demo", "v1", "succeeded", 40), run("demo", "v1", "failed", 50)}));
    ok(*b, "metric", {{"plugin", "demo_v2"}, {"name", "calls"}, {"value", 3}});
    const json report = ok(*b, "metrics", json::object());
    const json* s = find_series(report, "run", "demo", "v1");
    REQUIRE(s != nullptr);
    CHECK((*s)["count"] == 5);
    CHECK((*s)["by_status"] == json{{"succeeded", 3}, {"failed", 2}});
    CHECK((*s)["latency_ms"]["min"] == 10);
    CHECK((*s)["latency_ms"]["max"] == 50);
    CHECK((*s)["latency_ms"]["sum"] == 150);
    REQUIRE(report["plugin_metrics"].size() == 1);
    CHECK(report["plugin_metrics"][0]["value"] == 5);
    CHECK(ok(*b, "flush", json::object())["persisted"] == true);
    // After the flush the delta is empty: nothing is counted twice.
    CHECK((*find_series(ok(*b, "metrics", json::object()), "run", "demo", "v1"))["count"] == 5);
  }
  auto c = create(sink, config);
  const json report = ok(*c, "metrics", {{"format", "json"}});
  CHECK((*find_series(report, "run", "demo", "v1"))["count"] == 5);
}

TEST_CASE("telemetry: two instances flushing concurrently lose nothing") {
  TempDir dir;
  const json config = {{"metrics_dir", dir.path().string()}};
  NullSink sink;
  constexpr int kRounds = 10;
  constexpr int kBatch = 8;
  auto worker = [&](const std::string& impl) {
    auto t = create(sink, config);
    json batch = json::array();
    for (int i = 0; i < kBatch; ++i) batch.push_back(run("demo", impl, "succeeded", i + 1));
    const std::string text = batch.dump();
    for (int round = 0; round < kRounds; ++round) {
      REQUIRE(invoke(*t, "record", text).status == AS_OK);
      REQUIRE(invoke(*t, "metric", R"({"plugin":"p","name":"n","value":1})").status == AS_OK);
      REQUIRE(invoke(*t, "flush", "{}").status == AS_OK);
    }
  };
  std::thread first(worker, "v1");
  std::thread second(worker, "v1");
  first.join();
  second.join();
  auto t = create(sink, config);
  const json report = ok(*t, "metrics", json::object());
  const json* s = find_series(report, "run", "demo", "v1");
  REQUIRE(s != nullptr);
  CHECK((*s)["count"] == 2 * kRounds * kBatch);
  CHECK((*s)["latency_ms"]["count"] == 2 * kRounds * kBatch);
  CHECK(report["plugin_metrics"][0]["value"] == 2 * kRounds);
}

TEST_CASE("telemetry: concurrent records on one instance are all counted") {
  TempDir dir;
  NullSink sink;
  auto t = create(sink, {{"log_file", (dir.path() / "a.jsonl").string()}});
  std::vector<std::thread> threads;
  for (int n = 0; n < 4; ++n) {
    threads.emplace_back([&] {
      const std::string one = run("demo", "v2", "succeeded", 1).dump();
      for (int i = 0; i < 250; ++i) REQUIRE(invoke(*t, "record", one).status == AS_OK);
    });
  }
  for (auto& th : threads) th.join();
  CHECK((*find_series(ok(*t, "metrics", json::object()), "run", "demo", "v2"))["count"] == 1000);
  t.reset();
  CHECK(lines_of(dir.path() / "a.jsonl").size() == 1000);
}

TEST_CASE("telemetry: without log_file or metrics_dir nothing is written") {
  TempDir dir;
  NullSink sink;
  auto t = create(sink, json::object());
  ok(*t, "record", run("demo", "v1", "succeeded", 1));
  CHECK(ok(*t, "flush", json::object()) == json{{"log_flushed", false}, {"persisted", false}});
  // In-memory metrics survive the flush.
  CHECK((*find_series(ok(*t, "metrics", json::object()), "run", "demo", "v1"))["count"] == 1);
  std::string error;
  CHECK(PluginInstance::create(telemetry_library(), sink, "", error));  // "" counts as {}
}

TEST_CASE("telemetry: a damaged metrics.json is moved aside, an unknown version is kept") {
  TempDir dir;
  RecordingSink sink;
  const json config = {{"metrics_dir", dir.path().string()}};
  std::ofstream(dir.path() / "metrics.json") << "{not json";
  {
    auto t = create(sink, config);
    ok(*t, "record", run("demo", "v1", "succeeded", 1));
    CHECK(invoke(*t, "metrics", "{}").status == AS_ERR_INTERNAL);
    CHECK(ok(*t, "flush", json::object())["persisted"] == true);
    CHECK((*find_series(ok(*t, "metrics", json::object()), "run", "demo", "v1"))["count"] == 1);
  }
  bool moved = false;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    moved |= entry.path().filename().string().rfind("metrics.json.corrupt-", 0) == 0;
  }
  CHECK(moved);
  REQUIRE(sink.logs().size() == 1);
  CHECK(sink.logs()[0].text.find("is damaged") != std::string::npos);

  std::ofstream(dir.path() / "metrics.json", std::ios::trunc)
      << R"({"format":"agentsys-telemetry-metrics","version":99})";
  auto t = create(sink, config);
  ok(*t, "record", run("demo", "v1", "succeeded", 1));
  InvokeOutcome r = invoke(*t, "flush", "{}");
  CHECK(r.status == AS_ERR_UNSUPPORTED);
  CHECK(r.error.find("format version 99") != std::string::npos);
  CHECK(slurp(dir.path() / "metrics.json").find("\"version\":99") != std::string::npos);
}

TEST_CASE("telemetry: a bad config is refused with a clear message") {
  TempDir dir;
  std::ofstream(dir.path() / "file") << "x";
  const std::string prefix = "telemetry: on_create failed (status -2): telemetry config: ";
  CHECK(create_error("{nope") == prefix + "not valid JSON");
  CHECK(create_error("[]") == prefix + "must be a JSON object, got array");
  CHECK(create_error(R"({"logfile":"x"})") ==
        prefix +
            "unknown field 'logfile' (known: log_file, max_file_bytes, max_files, metrics_dir)");
  CHECK(create_error(R"({"log_file":""})") ==
        prefix + "'log_file' must be a non-empty path string, got \"\"");
  CHECK(create_error(R"({"max_file_bytes":-1})") ==
        prefix + "'max_file_bytes' must be a non-negative integer, got -1");
  CHECK(create_error(R"({"max_file_bytes":"10"})") ==
        prefix + "'max_file_bytes' must be a non-negative integer, got \"10\"");
  CHECK(create_error(R"({"max_file_bytes":10})") ==
        prefix + "'max_file_bytes' must be between 1024 and 9223372036854775807, got 10");
  CHECK(create_error(R"({"max_files":5000})") ==
        prefix + "'max_files' must be between 0 and 1000, got 5000");
  const std::string in_file = (dir.path() / "file" / "sub").string();
  CHECK(create_error(json{{"metrics_dir", in_file}}.dump())
            .rfind(prefix + "cannot use metrics_dir '" + in_file + "'", 0) == 0);
  CHECK(create_error(json{{"log_file", in_file + "/a.jsonl"}}.dump())
            .rfind(prefix + "cannot open log_file '" + in_file + "/a.jsonl'", 0) == 0);
}

TEST_CASE("telemetry: bad input and unknown actions are refused, naming the problem") {
  TempDir dir;
  NullSink sink;
  auto t = create(sink, {{"log_file", (dir.path() / "a.jsonl").string()}});
  auto error = [&](std::string_view action, std::string_view input, as_status status) {
    InvokeOutcome r = invoke(*t, action, input);
    CHECK(r.status == status);
    return r.error;
  };
  CHECK(error("record", "{", AS_ERR_INVALID_INPUT).rfind("record: input is not valid JSON: ", 0) ==
        0);
  CHECK(error("record", "42", AS_ERR_INVALID_INPUT) ==
        "record: input must be a record object or an array of them, got number");
  CHECK(error("record", "{}", AS_ERR_INVALID_INPUT) ==
        R"(record: 'kind' must be one of "run"|"attempt"|"event", got nothing)");
  json batch = json::array({run("demo", "v1", "succeeded", 1), run("demo", "v1", "succeeded", 1)});
  batch[1]["latency_ms"] = "fast";
  CHECK(error("record", batch.dump(), AS_ERR_INVALID_INPUT) ==
        R"(record[1]: 'latency_ms' must be a non-negative number or null, got "fast")");
  batch[1]["latency_ms"] = -3;
  CHECK(error("record", batch.dump(), AS_ERR_INVALID_INPUT).find("latency_ms") !=
        std::string::npos);
  batch[1] = run("demo", "v3", "succeeded", 1);
  CHECK(error("record", batch.dump(), AS_ERR_INVALID_INPUT) ==
        R"(record[1]: 'impl' must be one of "v1"|"v2" or null, got "v3")");
  batch[1] = {{"kind", "run"}, {"status", "succeeded"}};
  CHECK(error("record", batch.dump(), AS_ERR_INVALID_INPUT) ==
        "record[1]: 'module' must be a non-empty string, got nothing");
  batch[1] = run("demo", "v1", "succeeded", 1);
  batch[1]["ts"] = "yesterday";
  CHECK(error("record", batch.dump(), AS_ERR_INVALID_INPUT).rfind("record[1]: 'ts' must be", 0) ==
        0);
  batch[1] = run("demo", "v1", "succeeded", 1);
  batch[1]["attempt"] = 1.5;
  CHECK(error("record", batch.dump(), AS_ERR_INVALID_INPUT).rfind("record[1]: 'attempt'", 0) == 0);
  batch[1] = run("demo", "v1", "succeeded", 1);
  batch[1]["trace_id"] = 7;
  CHECK(error("record", batch.dump(), AS_ERR_INVALID_INPUT) ==
        "record[1]: 'trace_id' must be a string or null, got 7");
  // Nothing of the rejected batches was counted or logged.
  CHECK(ok(*t, "metrics", json::object())["series"].empty());

  CHECK(error("metric", R"({"name":"x","value":1})", AS_ERR_INVALID_INPUT) ==
        "metric: 'plugin' must be a non-empty string, got nothing");
  CHECK(error("metric", R"([{"plugin":"p","name":"x","value":"1"}])", AS_ERR_INVALID_INPUT) ==
        R"(metric[0]: 'value' must be a finite number, got "1")");
  CHECK(error("metric", R"({"plugin":"p","name":"x","value":1,"labels":{"a":[1]}})",
              AS_ERR_INVALID_INPUT) == "metric: label 'a' must be a string, got [1]");
  CHECK(error("metrics", R"({"format":"xml"})", AS_ERR_INVALID_INPUT) ==
        R"(metrics: 'format' must be "json" or "prometheus", got "xml")");
  CHECK(error("metrics", "[]", AS_ERR_INVALID_INPUT).rfind("metrics: input must be", 0) == 0);
  CHECK(error("explode", "{}", AS_ERR_UNSUPPORTED) ==
        "telemetry: unknown action 'explode' (supported: record, metric, metrics, flush)");
  t.reset();
  CHECK(lines_of(dir.path() / "a.jsonl").empty());
}
