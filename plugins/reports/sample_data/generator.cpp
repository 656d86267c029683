#include "generator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "distributions.hpp"

namespace agentsys::sample {
namespace {

constexpr int64_t kMsPerHour = 3'600'000;
constexpr int64_t kMsPerDay = 24 * kMsPerHour;
constexpr int kFailureWindowsPerMonth = 3;
constexpr double kTenantSkew = 1.1;  // Zipf exponent: the top tenant has ~27% of the traffic

// Independent streams per month and per purpose, so that adding a field to one stream does
// not shift the others.
enum Stream : uint64_t { kWindows = 1, kTenantMix = 2, kRows = 3 };

uint64_t stream_seed(const Month& month, uint64_t seed, Stream stream) {
  return derive_seed(derive_seed(seed, static_cast<uint64_t>(month.year * 100 + month.month)),
                     stream);
}

double round6(double x) { return std::round(x * 1e6) / 1e6; }

int64_t clamp_ms(double ms, int64_t lo, int64_t hi) {
  return std::clamp(static_cast<int64_t>(std::llround(ms)), lo, hi);
}

std::string format_timestamp(const Month& month, int64_t ms_of_month) {
  int64_t day = ms_of_month / kMsPerDay + 1;
  int64_t ms = ms_of_month % kMsPerDay;
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", month.year, month.month,
                     day, ms / kMsPerHour, ms / 60'000 % 60, ms / 1000 % 60, ms % 1000);
}

/// This month's tenant weights: the Zipf ranks, each tenant's traffic moving a little from
/// month to month, and small tenants sometimes idle for a whole month.
std::vector<double> tenant_weights(const Month& month, uint64_t seed) {
  Rng rng(stream_seed(month, seed, kTenantMix));
  std::vector<double> w = zipf_weights(tenants().size(), kTenantSkew);
  for (size_t k = 0; k < w.size(); ++k) {
    w[k] *= lognormal(rng, 1.0, 0.2);
    if (k >= 30 && rng.chance(0.1)) w[k] = 0;
  }
  return w;
}

std::vector<double> module_shares() {
  std::vector<double> w;
  for (const ModuleProfile& m : modules()) w.push_back(m.share);
  return w;
}

std::vector<double> day_weights(const Month& month) {
  std::vector<double> w;
  for (int d = 1; d <= month.days(); ++d) w.push_back(weekday_weights()[month.weekday(d)]);
  return w;
}

template <typename T>
std::vector<double> weights_of(const std::vector<T>& items) {
  std::vector<double> w;
  for (const T& item : items) w.push_back(item.weight);
  return w;
}

std::string_view pick_code(const std::vector<ErrorCode>& codes, Rng& rng) {
  double total = 0;
  for (const ErrorCode& e : codes) total += e.weight;
  double y = rng.uniform() * total;
  for (const ErrorCode& e : codes) {
    if (y < e.weight) return e.code;
    y -= e.weight;
  }
  return codes.back().code;
}

/// Whether the run fails, and with which code, outside or inside a failure window.
void decide_status(RunRow& row, const ModuleProfile& p, const FailureWindow* window, Rng& rng) {
  if (window != nullptr && rng.chance(window->failure_rate)) {
    row.status = kFailed;
    row.error_code = p.burst_code;
    return;
  }
  double x = rng.uniform();
  if (x < p.failure_rate) {
    row.status = kFailed;
    row.error_code = pick_code(p.failure_codes, rng);
  } else if (x < p.failure_rate + p.timeout_rate) {
    row.status = kTimedOut;
    row.error_code = kTimeoutCode;
  } else {
    row.status = kSucceeded;
  }
}

void fill_latency(RunRow& row, const ModuleProfile& p, double scale, Rng& rng) {
  if (row.status == kTimedOut) {
    row.latency_ms = p.timeout_ms + rng.between(0, 250);
  } else if (row.status == kFailed) {
    // Failures mostly come back fast (errors from upstream), with the same long tail.
    row.latency_ms =
        clamp_ms(lognormal(rng, p.latency_median_ms * 0.35, p.latency_sigma), 1, p.timeout_ms - 1);
  } else {
    row.latency_ms =
        clamp_ms(lognormal(rng, p.latency_median_ms * scale, p.latency_sigma), 1, p.timeout_ms - 1);
  }
}

}  // namespace

std::vector<FailureWindow> failure_windows(const Month& month, uint64_t seed) {
  Rng rng(stream_seed(month, seed, kWindows));
  int64_t month_ms = month.days() * kMsPerDay;
  std::vector<FailureWindow> windows;
  for (int i = 0; i < kFailureWindowsPerMonth; ++i) {
    FailureWindow w;
    w.module = static_cast<Module>(rng.below(kModuleCount));
    w.start_ms = rng.between(0, month_ms - 6 * kMsPerHour);
    w.end_ms = w.start_ms + rng.between(45, 240) * 60'000;
    w.failure_rate = 0.45 + 0.35 * rng.uniform();
    windows.push_back(w);
  }
  return windows;
}

std::vector<RunRow> generate_month(const Month& month, int64_t rows, uint64_t seed) {
  const Weighted tenant_pick(tenant_weights(month, seed));
  const Weighted module_pick(module_shares());
  const Weighted day_pick(day_weights(month));
  const Weighted hour_pick(std::vector<double>(hourly_weights().begin(), hourly_weights().end()));
  const Weighted skill_pick(zipf_weights(skills().size(), 0.9));
  const Weighted server_pick(zipf_weights(mcp_servers().size(), 0.8));
  const Weighted model_pick(weights_of(image_models()));
  const Weighted images_pick({0.55, 0.20, 0.10, 0.15});  // 1..4 images per job
  const std::vector<FailureWindow> windows = failure_windows(month, seed);
  Rng rng(stream_seed(month, seed, kRows));

  // Timestamps first, sorted, so that run ids follow time (and insert in key order).
  std::vector<int64_t> times(static_cast<size_t>(rows));
  for (int64_t& t : times) {
    t = static_cast<int64_t>(day_pick.pick(rng)) * kMsPerDay +
        static_cast<int64_t>(hour_pick.pick(rng)) * kMsPerHour +
        static_cast<int64_t>(rng.below(kMsPerHour));
  }
  std::sort(times.begin(), times.end());

  std::vector<RunRow> out(times.size());
  const std::string prefix = "run_" + month.yyyymm() + "_";
  for (size_t i = 0; i < times.size(); ++i) {
    RunRow& row = out[i];
    row.run_id = fmt::format("{}{:08d}", prefix, i + 1);
    row.started_at = format_timestamp(month, times[i]);
    row.tenant = tenant_pick.pick(rng);
    row.module = static_cast<Module>(module_pick.pick(rng));
    const ModuleProfile& p = profile(row.module);
    const FailureWindow* window = nullptr;
    for (const FailureWindow& w : windows) {
      if (w.module == row.module && times[i] >= w.start_ms && times[i] < w.end_ms) window = &w;
    }
    decide_status(row, p, window, rng);
    bool ok = row.status == kSucceeded;

    switch (row.module) {
      case Module::skill_router: {
        fill_latency(row, p, 1.0, rng);
        row.skill = skills()[skill_pick.pick(rng)];
        row.tokens_in = std::max<int64_t>(20, std::llround(lognormal(rng, 1100, 0.7)));
        if (ok) row.tokens_out = std::max<int64_t>(1, std::llround(lognormal(rng, 320, 0.8)));
        // Prompt tokens are billed even when no answer came back.
        row.cost_usd = round6(static_cast<double>(row.tokens_in) * 3e-6 +
                              static_cast<double>(row.tokens_out.value_or(0)) * 15e-6);
        break;
      }
      case Module::mcp_connector: {
        fill_latency(row, p, 1.0, rng);
        const McpServer& s = mcp_servers()[server_pick.pick(rng)];
        row.server = s.server;
        row.tool = s.tools[rng.below(s.tools.size())];
        row.cost_usd = round6(0.0001 + static_cast<double>(row.latency_ms) * 2e-7);
        break;
      }
      case Module::image_creator_hub: {
        const ImageModel& m = image_models()[model_pick.pick(rng)];
        int64_t requested = static_cast<int64_t>(images_pick.pick(rng)) + 1;
        fill_latency(row, p, 0.7 + 0.3 * static_cast<double>(requested), rng);
        row.model = m.model;
        row.images = ok ? requested : 0;
        // Providers bill delivered images only.
        row.cost_usd = round6(static_cast<double>(row.images) * m.usd_per_image);
        break;
      }
    }
  }
  return out;
}

}  // namespace agentsys::sample
