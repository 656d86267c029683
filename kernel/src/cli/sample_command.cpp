// agentsys sample generate: the deterministic sample operations database (tools/sample_data).
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/cli.hpp"
#include "cli/command.hpp"
#include "sample_data/sample_data.hpp"
#include "store/sqlite.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
using json = nlohmann::json;

namespace {

/// Whole decimal numbers only: boost's lexical_cast would read "-1" as a huge unsigned and
/// "1e3" as an error with a less useful message.
template <typename T>
T parse_number(std::string_view option, const std::string& text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    throw UsageError(fmt::format("--{} expects a whole number, got '{}'", option, text));
  }
  return value;
}

}  // namespace

int sample_generate(CommandContext& ctx) {
  std::string db;
  std::string end_month = "202602";
  std::string months = "6";
  std::string rows = "100000";
  std::string seed = "42";
  bool force = false;
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()                                                  //
      ("db", po::value(&db)->required(), "the SQLite file to write")  //
      ("end-month", po::value(&end_month)->default_value(end_month),
       "the last month generated, YYYYMM")  //
      ("months", po::value(&months)->default_value(months),
       "how many months, ending with --end-month (1..240)")  //
      ("rows-per-month", po::value(&rows)->default_value(rows),
       "task runs per month (1..10000000)")  //
      ("seed", po::value(&seed)->default_value(seed),
       "the random seed: the same options give a byte-identical file")       //
      ("force", po::bool_switch(&force), "replace the file when it exists")  //
      ("json", po::bool_switch(&as_json), "print the summary as JSON");
  if (!ctx.parse(desc)) return kExitOk;

  sample::SampleOptions options;
  options.db = db;
  std::optional<sample::Month> end = sample::Month::parse(end_month);
  if (!end) {
    throw UsageError(fmt::format(
        "--end-month expects a month as YYYYMM (e.g. 202602, month 01..12), got '{}'", end_month));
  }
  options.end_month = *end;
  options.months = parse_number<int>("months", months);
  options.rows_per_month = parse_number<int64_t>("rows-per-month", rows);
  options.seed = parse_number<uint64_t>("seed", seed);
  options.force = force;

  sample::SampleSummary summary;
  try {
    summary = sample::generate(options);
  } catch (const sample::InvalidRequest& e) {
    throw UsageError(e.what());
  } catch (const sqlite::Error& e) {
    throw RuntimeError(fmt::format("sample generate: {}", e.what()));
  }
  if (as_json) {
    json doc = {{"db", summary.db.string()},
                {"months", summary.months},
                {"rows", summary.rows},
                {"seed", options.seed},
                {"seconds", summary.seconds}};
    ctx.out << doc.dump() << "\n";
    return kExitOk;
  }
  const auto& n = summary.rows;
  fmt::print(ctx.out,
             "sample generate: wrote {}: {} task_runs ({} months {}..{}, {} per month), {} "
             "skill_runs, {} mcp_calls, {} image_jobs, {} tenants in {:.2f} s\n",
             summary.db.string(), n.at("task_runs"), summary.months.size(), summary.months.front(),
             summary.months.back(), options.rows_per_month, n.at("skill_runs"), n.at("mcp_calls"),
             n.at("image_jobs"), n.at("tenants"), summary.seconds);
  return kExitOk;
}

}  // namespace agentsys::cli
