"""Running one ledger job: the report run, its outcome recorded in the ledger."""
from pathlib import Path

from .errors import ReportError, UsageError
from .ledger import record
from .pipeline import run_report


def run_job(ledger, report, month, db, out_dir, config_dir):
    """Runs the job and records it; returns the job entry (status succeeded or failed)."""
    previous = [j for j in ledger["jobs"] if j.get("report") == report and j.get("month") == month]
    attempts = (previous[0].get("attempts", 0) if previous else 0) + 1
    db = Path(db).resolve()  # the remediation runner may run from another directory
    try:
        summary = run_report(report, month, db, out_dir, config_dir)
    except (UsageError, ReportError) as e:
        return record(ledger, report, month, status="failed", error=str(e), attempts=attempts,
                      db=str(db), config_dir=str(config_dir), outputs=[])
    except Exception as e:  # noqa: BLE001 - a legacy job never takes the scheduler down
        return record(ledger, report, month, status="failed",
                      error=f"{type(e).__name__}: {e}", attempts=attempts,
                      db=str(db), config_dir=str(config_dir), outputs=[])
    return record(ledger, report, month, status="succeeded", error=None, attempts=attempts,
                  db=str(db), config_dir=str(config_dir), outputs=summary["outputs"],
                  rows=summary["rows"], rule_version=summary["rule_version"])
