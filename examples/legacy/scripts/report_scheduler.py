#!/usr/bin/env python3
"""V1 report scheduler: runs every report due for a month, one after the other.

    python3 report_scheduler.py --target-month YYYYMM --db PATH --out-dir DIR
                                [--config-dir DIR] [--force]

A report is due for month M when its cron `schedule` fires in month M+1 (monthly reports are
due every month). Each job (report, month) is recorded in DIR/ledger.json with its status and
error; a job that already succeeded is skipped unless --force. Prints one JSON line:
{"target_month", "jobs": [{"report", "status", "error"}], "status": "ok" | "failed"}.
Exit 0 when every job succeeded, 1 when one failed, 2 for bad input.
"""
import argparse
import sys
from pathlib import Path

from v1reports import definition as defs
from v1reports import ledger as ledgers
from v1reports import schedule
from v1reports.cli import config_dir_of, main
from v1reports.errors import UsageError
from v1reports.jobs import run_job
from v1reports.months import parse_month


def parse_args(argv):
    p = argparse.ArgumentParser(prog="report_scheduler.py", description=__doc__.splitlines()[0])
    p.add_argument("--target-month", required=True, help="the month reported, YYYYMM")
    p.add_argument("--db", required=True, help="the operations database (SQLite)")
    p.add_argument("--out-dir", required=True, help="report outputs and ledger.json")
    p.add_argument("--config-dir", help="configuration directory (default: the repository's config/)")
    p.add_argument("--force", action="store_true", help="re-run jobs that already succeeded")
    return p.parse_args(argv)


def due_reports(config_dir, year, month):
    """(name, error) for every report: error is None when due, a string when its definition
    cannot be read (the job is then recorded as failed); reports not due are left out."""
    due = []
    for name in defs.available_reports(config_dir):
        try:
            d = defs.load_definition(config_dir, name)
            if schedule.due_for(d["schedule"], year, month):
                due.append((name, None))
        except (UsageError, KeyError) as e:
            due.append((name, str(e)))
    return due


def schedule_month(args):
    year, month = parse_month(args.target_month)
    config_dir = config_dir_of(args.config_dir)
    if not Path(args.db).is_file():
        raise UsageError(f"--db: no database file {args.db}")
    ledger = ledgers.load(args.out_dir)
    jobs = []
    for name, problem in due_reports(config_dir, year, month):
        existing = ledgers.find(ledger, name, args.target_month)
        if existing and existing.get("status") == "succeeded" and not args.force:
            jobs.append({"report": name, "status": "skipped", "error": None})
            continue
        if problem is not None:
            attempts = (existing or {}).get("attempts", 0) + 1
            job = ledgers.record(ledger, name, args.target_month, status="failed", error=problem,
                                 attempts=attempts, db=str(Path(args.db).resolve()),
                                 config_dir=str(config_dir),
                                 outputs=[])
        else:
            job = run_job(ledger, name, args.target_month, args.db, args.out_dir, config_dir)
        ledgers.save(args.out_dir, ledger)
        jobs.append({"report": name, "status": job["status"], "error": job.get("error")})
    failed = any(j["status"] == "failed" for j in jobs)
    summary = {"target_month": args.target_month, "jobs": jobs,
               "ledger": str(Path(args.out_dir) / ledgers.LEDGER),
               "status": "failed" if failed else "ok"}
    return summary, 1 if failed else 0


if __name__ == "__main__":
    arguments = parse_args(sys.argv[1:])
    sys.exit(main("report_scheduler", lambda: schedule_month(arguments)))
