#pragma once
// agentsys sample generate: a deterministic sample operations database for the reports.
// The same options always give a byte-identical SQLite file (no wall clock, our own PRNG).
#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "month.hpp"

namespace agentsys::sample {

/// Bad options, or a destination that cannot be written: nothing was done (CLI exit 2).
class InvalidRequest : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr int kMaxMonths = 240;
inline constexpr int64_t kMaxRowsPerMonth = 10'000'000;

struct SampleOptions {
  std::filesystem::path db;
  Month end_month{2026, 2};
  int months = 6;
  int64_t rows_per_month = 100'000;
  uint64_t seed = 42;
  bool force = false;  ///< replace an existing file
};

struct SampleSummary {
  std::filesystem::path db;
  std::vector<std::string> months;      ///< "YYYYMM", oldest first
  std::map<std::string, int64_t> rows;  ///< per table
  double seconds = 0;                   ///< wall time of the generation (not in the file)
};

/// Checks the options and the destination; throws InvalidRequest naming the problem.
void validate(const SampleOptions& options);

/// Generates the database: into a temporary file next to `options.db` (its directory is
/// created when missing), renamed over it only when complete. Throws InvalidRequest (see validate)
/// or std::runtime_error / sqlite::Error when writing fails midway (the temporary file is removed).
SampleSummary generate(const SampleOptions& options);

}  // namespace agentsys::sample
