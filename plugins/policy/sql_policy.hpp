#pragma once
// SQL decisions. The statement is parsed with the PostgreSQL parser (libpg_query); the parse
// tree is walked, never the text, so comments, case and quoting cannot hide anything.
//   read_only  : exactly one SELECT (incl. WITH, VALUES, TABLE, set operations), no
//                data-modifying CTE, no SELECT INTO, no FOR UPDATE/SHARE, no denied function,
//                every table (RangeVar; CTE names in scope are not tables) in `tables`.
//   read_write : one SELECT/INSERT/UPDATE/DELETE; written tables in `write_tables`, read tables
//                in `tables` or `write_tables`; UPDATE/DELETE need a WHERE; no SELECT INTO.
// COPY, DDL, DCL, utility statements, several statements and anything that does not parse are
// denied (the parser's message is the reason).
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "decision.hpp"
#include "policy_document.hpp"
#include "problems.hpp"

namespace agentsys::policy {

class SqlPolicy {
 public:
  void build(const std::vector<LayerDoc>& layers, Problems& problems);

  [[nodiscard]] Decision decide(const SqlRequest& request) const;
  [[nodiscard]] nlohmann::json describe() const;

  /// Functions denied in every context, before any layer adds its own.
  static const std::vector<std::string>& builtin_denied_functions();

  struct Context {
    std::string name;
    std::vector<std::string> layers;  // the layers that declare it
    bool read_write = false;
    std::optional<std::string> default_schema;
    std::set<std::string, std::less<>> tables;        // normalised
    std::set<std::string, std::less<>> write_tables;  // normalised
    std::set<std::string, std::less<>> deny_exact;
    std::vector<std::string> deny_prefix;
    [[nodiscard]] std::string normalise(std::string_view table) const;
    [[nodiscard]] bool function_denied(std::string_view function) const;
  };

 private:
  std::vector<std::string> global_deny_;  // builtin + every layer's sql.deny_functions
  std::vector<Context> contexts_;
};

}  // namespace agentsys::policy
