#!/usr/bin/env python3
"""V1 report remediation runner: re-runs the failed jobs of the scheduler's ledger.

    python3 report_remediation_runner.py --out-dir DIR [--db PATH] [--config-dir DIR]
                                         [--report NAME] [--target-month YYYYMM]
                                         [--max-attempts N]

Reads DIR/ledger.json and re-runs every job whose status is failed (only those of --report
and --target-month when given), with the database and configuration the job used unless
--db / --config-dir say otherwise (the usual fix). A job that already failed --max-attempts
times (default 3) is left for an operator. The ledger is updated after each job. Prints one
JSON line: {"remediated": [...], "still_failed": [...], "exhausted": [...], "status"}.
Exit 0 when no selected job is left failed, 1 otherwise, 2 for bad input (no ledger).
"""
import argparse
import sys
from pathlib import Path

from v1reports import ledger as ledgers
from v1reports.cli import config_dir_of, main
from v1reports.errors import UsageError
from v1reports.jobs import run_job
from v1reports.months import parse_month


def parse_args(argv):
    p = argparse.ArgumentParser(prog="report_remediation_runner.py",
                                description=__doc__.splitlines()[0])
    p.add_argument("--out-dir", required=True, help="the scheduler's output directory (ledger.json)")
    p.add_argument("--db", help="the database to use instead of the one each job used")
    p.add_argument("--config-dir", help="the configuration to use instead of each job's")
    p.add_argument("--report", help="only this report's jobs")
    p.add_argument("--target-month", help="only this month's jobs, YYYYMM")
    p.add_argument("--max-attempts", type=int, default=3, help="attempts in all per job (default 3)")
    return p.parse_args(argv)


def remediate(args):
    if args.target_month:
        parse_month(args.target_month)
    if args.max_attempts < 1:
        raise UsageError(f"--max-attempts must be at least 1, got {args.max_attempts}")
    if args.db and not Path(args.db).is_file():
        raise UsageError(f"--db: no database file {args.db}")
    config_override = config_dir_of(args.config_dir) if args.config_dir else None
    ledger = ledgers.load(args.out_dir, must_exist=True)
    summary = {"remediated": [], "still_failed": [], "exhausted": []}
    failed = [j for j in ledger["jobs"] if j.get("status") == "failed"
              and (not args.report or j.get("report") == args.report)
              and (not args.target_month or j.get("month") == args.target_month)]
    for job in failed:
        if job.get("attempts", 0) >= args.max_attempts:
            summary["exhausted"].append(job["job_id"])
            continue
        db = args.db or job.get("db")
        config_dir = config_override or config_dir_of(job.get("config_dir"))
        after = run_job(ledger, job["report"], job["month"], db, args.out_dir, config_dir)
        ledgers.save(args.out_dir, ledger)
        if after["status"] == "succeeded":
            summary["remediated"].append(after["job_id"])
        else:
            summary["still_failed"].append({"job_id": after["job_id"], "error": after["error"]})
    ok = not summary["still_failed"] and not summary["exhausted"]
    summary["status"] = "ok" if ok else "failed"
    return summary, 0 if ok else 1


if __name__ == "__main__":
    arguments = parse_args(sys.argv[1:])
    sys.exit(main("report_remediation_runner", lambda: remediate(arguments)))
