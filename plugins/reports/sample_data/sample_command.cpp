#include "sample_data/sample_command.hpp"

#include <fmt/format.h>

#include <charconv>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "sample_data/sample_data.hpp"
#include "store/sqlite.hpp"

namespace agentsys::sample {
using json = nlohmann::json;

namespace {

constexpr const char* kUsage =
    "agentsys sample generate --db PATH [--end-month YYYYMM] [--months N] [--rows-per-month N] "
    "[--seed N] [--force] [--json]";

constexpr const char* kHelp =
    "Usage: agentsys sample generate --db PATH [--end-month YYYYMM] [--months N]\n"
    "                                [--rows-per-month N] [--seed N] [--force] [--json]\n\n"
    "Generate the deterministic sample operations database the reports read (SQLite).\n\n"
    "Options:\n"
    "  --db PATH              the SQLite file to write (required)\n"
    "  --end-month YYYYMM     the last month generated (default 202602)\n"
    "  --months N             how many months, ending with --end-month, 1..240 (default 6)\n"
    "  --rows-per-month N     task runs per month, 1..10000000 (default 100000)\n"
    "  --seed N               the random seed: the same options give a byte-identical file "
    "(default 42)\n"
    "  --force                replace the file when it exists\n"
    "  --json                 print the summary as JSON\n"
    "  -h, --help             show this help\n";

[[noreturn]] void usage_error(const std::string& message) {
  throw agentsys::Error(AS_ERR_INVALID_INPUT, message + " (see agentsys sample generate --help)");
}

/// Whole decimal numbers only: "-1" for an unsigned or "1e3" are refused with the option named.
template <typename T>
T parse_number(std::string_view option, const std::string& text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    usage_error(fmt::format("--{} expects a whole number, got '{}'", option, text));
  }
  return value;
}

struct Parsed {
  std::map<std::string, std::string> values;  // option -> value
  bool force = false;
  bool json = false;
  bool help = false;
};

/// `--name VALUE` or `--name=VALUE` for the valued options, and the three switches.
Parsed parse_args(const std::vector<std::string>& args) {
  static const std::vector<std::string> kValued = {"db", "end-month", "months", "rows-per-month",
                                                   "seed"};
  Parsed p;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      p.help = true;
      continue;
    }
    if (a.rfind("--", 0) != 0) usage_error(fmt::format("unexpected argument '{}'", a));
    std::string name = a.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.erase(eq);
    }
    if (name == "force" || name == "json") {
      if (value) usage_error(fmt::format("--{} takes no value", name));
      (name == "force" ? p.force : p.json) = true;
    } else if (std::find(kValued.begin(), kValued.end(), name) != kValued.end()) {
      if (!value) {
        if (i + 1 >= args.size()) usage_error(fmt::format("--{} needs a value", name));
        value = args[++i];
      }
      p.values[name] = *value;
    } else {
      usage_error(fmt::format("unknown option '--{}'", name));
    }
  }
  return p;
}

SampleOptions options_of(const Parsed& p) {
  auto value = [&](const char* name, const char* fallback) {
    auto it = p.values.find(name);
    return it == p.values.end() ? std::string(fallback) : it->second;
  };
  if (!p.values.contains("db")) usage_error("the option '--db' is required but missing");
  SampleOptions o;
  o.db = p.values.at("db");
  const std::string end_month = value("end-month", "202602");
  std::optional<Month> end = Month::parse(end_month);
  if (!end) {
    usage_error(fmt::format(
        "--end-month expects a month as YYYYMM (e.g. 202602, month 01..12), got '{}'", end_month));
  }
  o.end_month = *end;
  o.months = parse_number<int>("months", value("months", "6"));
  o.rows_per_month = parse_number<int64_t>("rows-per-month", value("rows-per-month", "100000"));
  o.seed = parse_number<uint64_t>("seed", value("seed", "42"));
  o.force = p.force;
  return o;
}

std::string summary_text(const SampleSummary& summary, const SampleOptions& options, bool as_json) {
  if (as_json) {
    json doc = {{"db", summary.db.string()},
                {"months", summary.months},
                {"rows", summary.rows},
                {"seed", options.seed},
                {"seconds", summary.seconds}};
    return doc.dump() + "\n";
  }
  const auto& n = summary.rows;
  return fmt::format(
      "sample generate: wrote {}: {} task_runs ({} months {}..{}, {} per month), {} skill_runs, "
      "{} mcp_calls, {} image_jobs, {} tenants in {:.2f} s\n",
      summary.db.string(), n.at("task_runs"), summary.months.size(), summary.months.front(),
      summary.months.back(), options.rows_per_month, n.at("skill_runs"), n.at("mcp_calls"),
      n.at("image_jobs"), n.at("tenants"), summary.seconds);
}

}  // namespace

agentsys::Command generate_command() {
  return {"sample", "generate", kUsage,
          "Generate the deterministic sample operations database the reports read (SQLite)."};
}

agentsys::CommandResult run_generate(const std::vector<std::string>& args) {
  Parsed parsed = parse_args(args);
  if (parsed.help) return {kHelp, "", 0};
  SampleOptions options = options_of(parsed);
  try {
    SampleSummary summary = generate(options);
    return {summary_text(summary, options, parsed.json), "", 0};
  } catch (const InvalidRequest& e) {
    throw agentsys::Error(AS_ERR_INVALID_INPUT, e.what());
  } catch (const sqlite::Error& e) {
    return {"", fmt::format("agentsys: error: sample generate: {}\n", e.what()), 1};
  }
}

}  // namespace agentsys::sample
