"""The scheduler's job ledger, DIR/ledger.json: one entry per (report, month), rewritten
atomically after every job so that a crash never leaves it half-written."""
import datetime
import json
import os
from pathlib import Path

from .errors import ReportError, UsageError

LEDGER = "ledger.json"


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def load(out_dir, must_exist=False):
    path = Path(out_dir) / LEDGER
    if not path.exists():
        if must_exist:
            raise UsageError(f"no ledger {path}: run report_scheduler.py first")
        return {"version": 1, "jobs": []}
    try:
        with open(path, encoding="utf-8") as f:
            ledger = json.load(f)
    except (OSError, ValueError) as e:
        raise ReportError(f"cannot read the ledger {path}: {e}") from e
    if not isinstance(ledger, dict) or not isinstance(ledger.get("jobs"), list):
        raise ReportError(f"{path} is not a job ledger (no 'jobs' array)")
    return ledger


def save(out_dir, ledger):
    path = Path(out_dir) / LEDGER
    temp = path.with_suffix(".json.tmp")
    try:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        with open(temp, "w", encoding="utf-8") as f:
            json.dump(ledger, f, indent=2, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except OSError as e:
        raise ReportError(f"cannot write the ledger {path}: {e}") from e


def find(ledger, report, month):
    for job in ledger["jobs"]:
        if job.get("report") == report and job.get("month") == month:
            return job
    return None


def record(ledger, report, month, **fields):
    """Creates or updates the job of (report, month); returns it."""
    job = find(ledger, report, month)
    if job is None:
        job = {"job_id": f"{report}/{month}", "report": report, "month": month, "attempts": 0}
        ledger["jobs"].append(job)
    job.update(fields)
    job["updated_at"] = now()
    return job
