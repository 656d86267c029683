#pragma once
// Writes the sample tables into a fresh SQLite file in one transaction, with prepared
// statements, no journal and no syncs: the file is a temporary one that is renamed into place
// only once it is complete (see sample_data.cpp), so a crash never leaves a half-written DB.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "generator.hpp"

namespace agentsys::sqlite {
class Database;
class Statement;
class Transaction;
}  // namespace agentsys::sqlite

namespace agentsys::sample {

class SampleWriter {
 public:
  /// Opens `file` (which must be empty or absent), creates the tables and begins the
  /// transaction. Throws sqlite::Error.
  explicit SampleWriter(const std::filesystem::path& file);
  ~SampleWriter();
  SampleWriter(const SampleWriter&) = delete;
  SampleWriter& operator=(const SampleWriter&) = delete;

  void add_tenants();
  void add(const RunRow& row);
  /// Creates the indexes, commits and closes the file.
  void finish();

  /// Rows written per table so far.
  [[nodiscard]] const std::map<std::string, int64_t>& counts() const { return counts_; }

 private:
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<sqlite::Transaction> tx_;
  std::unique_ptr<sqlite::Statement> task_run_;
  std::unique_ptr<sqlite::Statement> skill_run_;
  std::unique_ptr<sqlite::Statement> mcp_call_;
  std::unique_ptr<sqlite::Statement> image_job_;
  std::map<std::string, int64_t> counts_;
};

}  // namespace agentsys::sample
