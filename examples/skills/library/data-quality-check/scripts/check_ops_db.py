#!/usr/bin/env python3
"""Read-only data quality checks over one month of the operations database."""
import argparse
import sqlite3

CHECKS = {
    "status_vs_error_code": "SELECT run_id FROM task_runs t WHERE {m} AND ((status = 'succeeded') <> (error_code IS NULL) OR (status = 'timed_out' AND error_code <> 'timeout'))",
    "negative_cost": "SELECT run_id FROM task_runs t WHERE {m} AND cost_usd < 0",
    "unknown_tenant": "SELECT run_id FROM task_runs t WHERE {m} AND tenant_id NOT IN (SELECT tenant_id FROM tenants)",
    "skill_run_missing": "SELECT run_id FROM task_runs t WHERE {m} AND module = 'skill_router' AND run_id NOT IN (SELECT run_id FROM skill_runs)",
    "mcp_call_missing": "SELECT run_id FROM task_runs t WHERE {m} AND module = 'mcp_connector' AND run_id NOT IN (SELECT run_id FROM mcp_calls)",
    "image_job_missing": "SELECT run_id FROM task_runs t WHERE {m} AND module = 'image_creator_hub' AND run_id NOT IN (SELECT run_id FROM image_jobs)",
    "images_on_failed_job": "SELECT t.run_id FROM task_runs t JOIN image_jobs i USING (run_id) WHERE {m} AND t.status <> 'succeeded' AND i.images > 0",
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("--month", required=True, help="YYYYMM")
    a = ap.parse_args()
    y, mo = int(a.month[:4]), int(a.month[4:])
    start = f"{y:04d}-{mo:02d}-01T00:00:00.000Z"
    end = f"{y + (mo == 12):04d}-{mo % 12 + 1:02d}-01T00:00:00.000Z"
    con = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True)
    failed = 0
    for name, sql in CHECKS.items():
        ids = [r[0] for r in con.execute(sql.format(m="t.started_at >= ? AND t.started_at < ?"), (start, end))]
        failed += bool(ids)
        print(f"{name:<24} {'ok' if not ids else f'{len(ids)} violation(s): ' + ', '.join(ids[:5])}")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
