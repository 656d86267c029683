#!/usr/bin/env python3
"""V1 report orchestrator: runs one report for one month.

    python3 report_orchestrator.py --report NAME --target-month YYYYMM --db PATH --out-dir DIR
                                   [--config-dir DIR]

Reads CONFIG_DIR/reports/NAME.toml, runs its queries on the SQLite database, applies its
transform, writes DIR/NAME_YYYYMM.csv and DIR/NAME_YYYYMM.md, and prints one JSON line:
{"report", "target_month", "rows", "outputs", "rule_version", "status": "ok"}.
Exit 0 ok, 1 runtime error, 2 bad input (malformed month, unknown report, missing database).
"""
import argparse
import sys

from v1reports.cli import config_dir_of, main
from v1reports.pipeline import run_report


def parse_args(argv):
    p = argparse.ArgumentParser(prog="report_orchestrator.py", description=__doc__.splitlines()[0])
    p.add_argument("--report", required=True, help="report name (config/reports/NAME.toml)")
    p.add_argument("--target-month", required=True, help="the month reported, YYYYMM")
    p.add_argument("--db", required=True, help="the operations database (SQLite)")
    p.add_argument("--out-dir", required=True, help="where the CSV and Markdown files go")
    p.add_argument("--config-dir", help="configuration directory (default: the repository's config/)")
    return p.parse_args(argv)


if __name__ == "__main__":
    args = parse_args(sys.argv[1:])
    sys.exit(main("report_orchestrator", lambda: (
        run_report(args.report, args.target_month, args.db, args.out_dir,
                   config_dir_of(args.config_dir)), 0)))
