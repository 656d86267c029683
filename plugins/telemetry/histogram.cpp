#include "histogram.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace agentsys::telemetry {

namespace {

const double kLogRatio = std::log(LatencyHistogram::kRatio);

// Regular buckets needed to cover [kMinMs, kMaxMs).
std::size_t regular_buckets() {
  static const auto n = static_cast<std::size_t>(
      std::ceil(std::log(LatencyHistogram::kMaxMs / LatencyHistogram::kMinMs) / kLogRatio));
  return n;
}

}  // namespace

std::size_t LatencyHistogram::bucket_count() { return regular_buckets() + 2; }

std::size_t LatencyHistogram::index_of(double ms) {
  if (!(ms >= kMinMs)) return 0;  // also catches NaN
  const double k = std::floor(std::log(ms / kMinMs) / kLogRatio);
  if (k >= static_cast<double>(regular_buckets())) return regular_buckets() + 1;
  return static_cast<std::size_t>(k) + 1;
}

double LatencyHistogram::lower_edge(std::size_t i) {
  if (i == 0) return 0.0;
  return kMinMs * std::pow(kRatio, static_cast<double>(i - 1));
}

double LatencyHistogram::upper_edge(std::size_t i) {
  if (i > regular_buckets()) return std::numeric_limits<double>::infinity();
  return kMinMs * std::pow(kRatio, static_cast<double>(i));
}

double LatencyHistogram::representative(std::size_t i) {
  if (i == 0) return kMinMs / 2;
  if (i > regular_buckets()) return kMaxMs;  // the caller clamps to the exact max
  return lower_edge(i) * std::sqrt(kRatio);
}

void LatencyHistogram::add(double ms) {
  if (buckets_.empty()) buckets_.assign(bucket_count(), 0);
  ++buckets_[index_of(ms)];
  if (count_ == 0) {
    min_ = max_ = ms;
  } else {
    min_ = std::min(min_, ms);
    max_ = std::max(max_, ms);
  }
  ++count_;
  sum_ += ms;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  if (buckets_.empty()) buckets_.assign(bucket_count(), 0);
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  sum_ += other.sum_;
}

std::optional<double> LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return std::nullopt;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::clamp(representative(i), min_, max_);
  }
  return max_;  // unreachable when the buckets add up to count_
}

nlohmann::json LatencyHistogram::to_json() const {
  nlohmann::json j = {{"count", count_}, {"sum", sum_}};
  if (count_ > 0) {
    j["min"] = min_;
    j["max"] = max_;
  }
  nlohmann::json sparse = nlohmann::json::array();
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    if (buckets_[i] != 0) sparse.push_back({i, buckets_[i]});
  }
  j["buckets"] = std::move(sparse);
  return j;
}

LatencyHistogram LatencyHistogram::from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::runtime_error("histogram is not an object");
  LatencyHistogram h;
  h.count_ = j.at("count").get<uint64_t>();
  h.sum_ = j.at("sum").get<double>();
  if (h.count_ == 0) return h;
  h.min_ = j.at("min").get<double>();
  h.max_ = j.at("max").get<double>();
  h.buckets_.assign(bucket_count(), 0);
  uint64_t total = 0;
  for (const auto& pair : j.at("buckets")) {
    const auto index = pair.at(0).get<std::size_t>();
    if (index >= h.buckets_.size()) {
      throw std::runtime_error("histogram bucket index " + std::to_string(index) +
                               " is out of range");
    }
    const auto n = pair.at(1).get<uint64_t>();
    h.buckets_[index] += n;
    total += n;
  }
  if (total != h.count_) {
    throw std::runtime_error("histogram buckets add up to " + std::to_string(total) +
                             " but count is " + std::to_string(h.count_));
  }
  return h;
}

}  // namespace agentsys::telemetry
