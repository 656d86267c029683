#pragma once
// JSON Schema (draft-07) validation with valijson: the schemas of config/schema/, and their
// violations as JSON pointers plus the keyword broken, with a message an operator can act on.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/problem.hpp"
#include "config/source_map.hpp"

namespace agentsys::config {

struct SchemaViolation {
  std::string pointer;  ///< Into the validated document; "" is the whole document.
  std::string keyword;  ///< The JSON Schema keyword broken: "type", "required", "enum", ...
  std::string message;
};

/// Named schemas: `NAME.schema.json` is schema NAME. A schema may refer to another one of the
/// set by file name (`"$ref": "task.schema.json#/definitions/retry_policy"`).
class SchemaSet {
 public:
  SchemaSet();
  ~SchemaSet();
  SchemaSet(SchemaSet&&) noexcept;
  SchemaSet& operator=(SchemaSet&&) noexcept;

  /// Loads every `*.schema.json` directly in `dir`. When `dir/meta/draft-07.json` exists each
  /// schema is first checked against it (the JSON Schema draft-07 meta-schema). A file that is
  /// not JSON, breaks the meta-schema or that valijson cannot compile becomes a problem
  /// (rules "schema.json", "schema.meta.KEYWORD", "schema.compile") and is left out.
  static SchemaSet load(const std::filesystem::path& dir, std::vector<Problem>& problems);

  /// Adds (or replaces) schema `name`; refs to other files resolve in `dir` given to load.
  /// Returns "" or why valijson could not compile it.
  std::string add(const std::string& name, nlohmann::json schema);

  [[nodiscard]] bool contains(std::string_view name) const;
  /// The schema document, or null.
  [[nodiscard]] const nlohmann::json* document(std::string_view name) const;
  [[nodiscard]] std::vector<std::string> names() const;

  /// Every violation of schema `name` (which must be contained) by `doc`.
  [[nodiscard]] std::vector<SchemaViolation> validate(std::string_view name,
                                                      const nlohmann::json& doc) const;

  /// Checks `schema` against the draft-07 meta-schema `meta`.
  static std::vector<SchemaViolation> check_against_meta(const nlohmann::json& meta,
                                                         const nlohmann::json& schema);

 private:
  struct Entry;
  std::filesystem::path dir_;
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> entries_;
};

/// Problems ("schema.KEYWORD") for `violations` of a document read from `file`, each located
/// through `positions` when given.
std::vector<Problem> to_problems(const std::vector<SchemaViolation>& violations,
                                 const std::string& file, const SourceMap* positions);

}  // namespace agentsys::config
