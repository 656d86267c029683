#!/usr/bin/env python3
"""Filter a JSON-lines log by field=value pairs, a substring and a start time."""
import argparse
import json
from collections import Counter


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("--field", action="append", default=[], help="KEY=VALUE, repeatable")
    ap.add_argument("--text", help="substring anywhere in the line")
    ap.add_argument("--since", help="ISO-8601 UTC prefix, compared with the 'ts' field")
    ap.add_argument("--limit", type=int, default=20)
    a = ap.parse_args()
    wanted = [f.split("=", 1) for f in a.field]
    hits, by_msg = 0, Counter()
    with open(a.log, encoding="utf-8") as f:
        for line in f:
            if a.text and a.text not in line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if a.since and str(rec.get("ts", "")) < a.since:
                continue
            if any(str(rec.get(k)) != v for k, v in wanted):
                continue
            hits += 1
            by_msg[rec.get("msg") or rec.get("event") or "?"] += 1
            if hits <= a.limit:
                print(line.rstrip())
    print(f"-- {hits} matching line(s)")
    for msg, n in by_msg.most_common(10):
        print(f"{n:>7}  {msg}")


if __name__ == "__main__":
    main()
