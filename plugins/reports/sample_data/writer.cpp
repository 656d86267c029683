#include "writer.hpp"

#include "schema.hpp"
#include "store/sqlite.hpp"

namespace agentsys::sample {

SampleWriter::SampleWriter(const std::filesystem::path& file)
    : db_(std::make_unique<sqlite::Database>(file, true)) {
  // Safe because the file is temporary until renamed (see the header); 3-5x faster.
  db_->exec("PRAGMA journal_mode = OFF");
  db_->exec("PRAGMA synchronous = OFF");
  db_->exec("PRAGMA foreign_keys = OFF");
  for (std::string_view ddl : table_ddl()) db_->exec(ddl);
  tx_ = std::make_unique<sqlite::Transaction>(*db_);
  task_run_ = std::make_unique<sqlite::Statement>(db_->prepare(
      "INSERT INTO task_runs (run_id, started_at, tenant_id, module, status, latency_ms, "
      "cost_usd, error_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  skill_run_ = std::make_unique<sqlite::Statement>(db_->prepare(
      "INSERT INTO skill_runs (run_id, skill, tokens_in, tokens_out) VALUES (?1, ?2, ?3, ?4)"));
  mcp_call_ = std::make_unique<sqlite::Statement>(
      db_->prepare("INSERT INTO mcp_calls (run_id, server, tool) VALUES (?1, ?2, ?3)"));
  image_job_ = std::make_unique<sqlite::Statement>(
      db_->prepare("INSERT INTO image_jobs (run_id, model, images) VALUES (?1, ?2, ?3)"));
  for (std::string_view table : kTables) counts_[std::string(table)] = 0;
}

SampleWriter::~SampleWriter() {
  // Statements before the transaction (rollback) and the connection.
  task_run_.reset();
  skill_run_.reset();
  mcp_call_.reset();
  image_job_.reset();
  tx_.reset();
  db_.reset();
}

void SampleWriter::add_tenants() {
  sqlite::Statement insert =
      db_->prepare("INSERT INTO tenants (tenant_id, name, tier) VALUES (?1, ?2, ?3)");
  for (const Tenant& t : tenants()) {
    insert.reset();
    insert.bind(1, t.id).bind(2, t.name).bind(3, t.tier);
    insert.step();
    ++counts_["tenants"];
  }
}

void SampleWriter::add(const RunRow& row) {
  sqlite::Statement& run = *task_run_;
  run.reset();
  run.bind(1, row.run_id)
      .bind(2, row.started_at)
      .bind(3, tenants()[row.tenant].id)
      .bind(4, profile(row.module).name)
      .bind(5, row.status)
      .bind(6, row.latency_ms)
      .bind(7, row.cost_usd);
  if (row.error_code.empty()) {
    run.bind_null(8);
  } else {
    run.bind(8, row.error_code);
  }
  run.step();
  ++counts_["task_runs"];

  switch (row.module) {
    case Module::skill_router: {
      sqlite::Statement& s = *skill_run_;
      s.reset();
      s.bind(1, row.run_id).bind(2, row.skill).bind(3, row.tokens_in);
      if (row.tokens_out) {
        s.bind(4, *row.tokens_out);
      } else {
        s.bind_null(4);
      }
      s.step();
      ++counts_["skill_runs"];
      break;
    }
    case Module::mcp_connector: {
      sqlite::Statement& s = *mcp_call_;
      s.reset();
      s.bind(1, row.run_id).bind(2, row.server).bind(3, row.tool);
      s.step();
      ++counts_["mcp_calls"];
      break;
    }
    case Module::image_creator_hub: {
      sqlite::Statement& s = *image_job_;
      s.reset();
      s.bind(1, row.run_id).bind(2, row.model).bind(3, row.images);
      s.step();
      ++counts_["image_jobs"];
      break;
    }
  }
}

void SampleWriter::finish() {
  for (std::string_view ddl : index_ddl()) db_->exec(ddl);
  task_run_.reset();
  skill_run_.reset();
  mcp_call_.reset();
  image_job_.reset();
  tx_->commit();
  tx_.reset();
  db_.reset();
}

}  // namespace agentsys::sample
