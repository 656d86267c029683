#!/usr/bin/env python3
"""Print the tenants of a tenant_cost CSV with the largest absolute month-over-month change."""
import argparse
import csv


def as_float(cell):
    return float(cell) if cell not in ("", None) else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv_path")
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args()
    with open(args.csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    total = sum(as_float(r["cost_this_month"]) or 0.0 for r in rows)
    for r in rows:
        now, prev = as_float(r["cost_this_month"]) or 0.0, as_float(r["cost_prev_month"]) or 0.0
        r["_delta"] = now - prev
    rows.sort(key=lambda r: abs(r["_delta"]), reverse=True)
    print(f"{'TENANT':<14}{'THIS':>12}{'PREV':>12}{'DELTA':>12}{'MOM%':>9}")
    for r in rows[: args.top]:
        pct = r.get("mom_change_pct") or "-"
        print(f"{r['tenant_id']:<14}{float(r['cost_this_month'] or 0):>12.2f}"
              f"{float(r['cost_prev_month'] or 0):>12.2f}{r['_delta']:>12.2f}{pct:>9}")
    print(f"total this month: {total:.2f} USD over {len(rows)} tenants")


if __name__ == "__main__":
    main()
