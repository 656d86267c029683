#!/usr/bin/env python3
"""Daily cost per tenant for a month from the ops database, flagging days above a z-score."""
import argparse
import sqlite3
import statistics
from collections import defaultdict


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("--month", required=True, help="YYYYMM")
    ap.add_argument("--z", type=float, default=3.0)
    a = ap.parse_args()
    start = f"{a.month[:4]}-{a.month[4:]}-01T00:00:00.000Z"
    y, m = int(a.month[:4]), int(a.month[4:])
    end = f"{y + (m == 12):04d}-{m % 12 + 1:02d}-01T00:00:00.000Z"
    con = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True)
    rows = con.execute(
        "SELECT tenant_id, substr(started_at, 1, 10), sum(cost_usd) FROM task_runs "
        "WHERE started_at >= ? AND started_at < ? GROUP BY 1, 2 ORDER BY 1, 2", (start, end))
    per_tenant = defaultdict(list)
    for tenant, day, cost in rows:
        per_tenant[tenant].append((day, cost))
    for tenant, days in sorted(per_tenant.items()):
        costs = [c for _, c in days]
        if len(costs) < 3:
            continue
        mean, sd = statistics.mean(costs), statistics.pstdev(costs)
        for day, cost in days:
            if sd > 0 and (cost - mean) / sd >= a.z:
                print(f"{tenant}\t{day}\t{cost:.2f} USD\t(mean {mean:.2f}, z {(cost - mean) / sd:.1f})")


if __name__ == "__main__":
    main()
