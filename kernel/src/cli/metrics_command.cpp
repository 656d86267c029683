// agentsys metrics
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"
#include "cli/table.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
using json = nlohmann::json;

namespace {

std::string number(const json& v) {
  return v.is_number() ? fmt::format("{:.2f}", v.get<double>()) : "-";
}

}  // namespace

int metrics_show(CommandContext& ctx) {
  bool as_json = false;
  bool prometheus = false;
  po::options_description desc("Options");
  desc.add_options()("json", po::bool_switch(&as_json), "print the telemetry plugin's JSON")(
      "prometheus", po::bool_switch(&prometheus),
      "print the Prometheus text exposition (also written to STATE_DIR/telemetry/metrics.prom)");
  if (!ctx.parse(desc)) return 0;
  if (as_json && prometheus) throw UsageError("metrics: choose one of --json and --prometheus");

  std::unique_ptr<Kernel> kernel = ctx.make_kernel(false);
  std::string response = kernel->telemetry().query_metrics(prometheus ? "prometheus" : "json");
  if (response.empty()) {
    throw RuntimeError("metrics: no telemetry plugin is loaded (see 'agentsys plugins list')");
  }
  json doc = json::parse(response);
  if (prometheus) {
    ctx.out << doc.value("text", "");
    return 0;
  }
  if (as_json) {
    ctx.out << doc.dump(2) << "\n";
    return 0;
  }
  Table table({"KIND", "MODULE", "IMPL", "COUNT", "BY STATUS", "P50_MS", "P95_MS", "P99_MS"});
  const json series = doc.value("series", json::array());
  for (const json& s : series) {
    std::string by_status;
    const json counts = s.value("by_status", json::object());
    for (const auto& [status, n] : counts.items()) {
      by_status += fmt::format("{}{}={}", by_status.empty() ? "" : " ", status, n.dump());
    }
    const json lat = s.value("latency_ms", json::object());
    table.add({s.value("kind", ""), s.value("module", ""),
               s["impl"].is_string() ? s["impl"].get<std::string>() : "-",
               std::to_string(s.value("count", 0)), by_status, number(lat.value("p50", json())),
               number(lat.value("p95", json())), number(lat.value("p99", json()))});
  }
  table.print(ctx.out);
  return 0;
}

}  // namespace agentsys::cli
