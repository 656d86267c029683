#pragma once
// Executes one SQL statement on a SQLite file for the host's run_sql service. The database
// itself enforces what policy decided: a read-only statement runs on a read-only connection
// whose authorizer refuses anything but reading, so even a statement policy misjudged cannot
// write; a write statement may insert, update or delete rows, never change the schema.
#include <atomic>
#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace agentsys {

/// A statement SQLite refused or failed; `refused` is true when the authorizer denied it.
class SqlError : public std::runtime_error {
 public:
  SqlError(const std::string& message, bool refused)
      : std::runtime_error(message), refused_(refused) {}
  [[nodiscard]] bool refused() const { return refused_; }

 private:
  bool refused_;
};

struct SqlQuery {
  std::string sql;
  /// Bound to $1, $2, ... (an array) or to named parameters such as $month (an object
  /// without the "$"). Strings, numbers, booleans (as 0/1) and null.
  nlohmann::json params = nlohmann::json::array();
  bool read_only = true;
  size_t max_rows = 1'000'000;
  const std::atomic<bool>* cancel = nullptr;  ///< Interrupts the statement when set.
};

/// Runs `query` on `database`. Returns the response JSON text:
/// {"columns": [...], "rows": [[...], ...], "row_count": N, "truncated": B, "changes": N}.
/// Throws SqlError.
std::string execute_sql(const std::filesystem::path& database, const SqlQuery& query);

}  // namespace agentsys
