#include "schema.hpp"

namespace agentsys::sample {

const std::array<std::string_view, 5>& table_ddl() {
  static const std::array<std::string_view, 5> kDdl = {
      "CREATE TABLE tenants (\n"
      "  tenant_id TEXT PRIMARY KEY,\n"
      "  name TEXT NOT NULL,\n"
      "  tier TEXT NOT NULL  -- 'enterprise' | 'business' | 'starter'\n"
      ")",
      "CREATE TABLE task_runs (\n"
      "  run_id TEXT PRIMARY KEY,\n"
      "  started_at TEXT NOT NULL,  -- ISO-8601 UTC 'YYYY-MM-DDTHH:MM:SS.mmmZ'\n"
      "  tenant_id TEXT NOT NULL REFERENCES tenants,\n"
      "  module TEXT NOT NULL,      -- 'skill_router' | 'mcp_connector' | 'image_creator_hub'\n"
      "  status TEXT NOT NULL,      -- 'succeeded' | 'failed' | 'timed_out'\n"
      "  latency_ms INTEGER NOT NULL,\n"
      "  cost_usd REAL NOT NULL,\n"
      "  error_code TEXT            -- NULL when succeeded\n"
      ")",
      "CREATE TABLE skill_runs (\n"
      "  run_id TEXT PRIMARY KEY REFERENCES task_runs,\n"
      "  skill TEXT NOT NULL,\n"
      "  tokens_in INTEGER,\n"
      "  tokens_out INTEGER         -- NULL when the run produced no answer\n"
      ")",
      "CREATE TABLE mcp_calls (\n"
      "  run_id TEXT PRIMARY KEY REFERENCES task_runs,\n"
      "  server TEXT NOT NULL,\n"
      "  tool TEXT NOT NULL\n"
      ")",
      "CREATE TABLE image_jobs (\n"
      "  run_id TEXT PRIMARY KEY REFERENCES task_runs,\n"
      "  model TEXT NOT NULL,\n"
      "  images INTEGER NOT NULL    -- images produced: 0 when the job failed\n"
      ")",
  };
  return kDdl;
}

const std::array<std::string_view, 1>& index_ddl() {
  static const std::array<std::string_view, 1> kIndexes = {
      "CREATE INDEX task_runs_started_at ON task_runs (started_at)",
  };
  return kIndexes;
}

}  // namespace agentsys::sample
