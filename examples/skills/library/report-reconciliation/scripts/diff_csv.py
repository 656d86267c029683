#!/usr/bin/env python3
"""Match two report CSVs by key fields and list value differences after rounding."""
import argparse
import csv

VOLATILE = {"generated_at"}


def load(path, keys):
    with open(path, newline="", encoding="utf-8") as f:
        return {tuple(r[k] for k in keys): r for r in csv.DictReader(f)}


def norm(cell):
    if cell in ("", None):
        return None
    try:
        return round(float(cell), 4)
    except ValueError:
        return cell


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("v1")
    ap.add_argument("v2")
    ap.add_argument("--key", action="append", required=True)
    a = ap.parse_args()
    v1, v2 = load(a.v1, a.key), load(a.v2, a.key)
    diffs = 0
    for key in sorted(set(v1) | set(v2)):
        if key not in v1 or key not in v2:
            print(f"{key}: only in {'v2' if key not in v1 else 'v1'}")
            diffs += 1
            continue
        for field in sorted((set(v1[key]) | set(v2[key])) - VOLATILE - set(a.key)):
            x, y = norm(v1[key].get(field)), norm(v2[key].get(field))
            if x != y:
                print(f"{key}: {field}: v1={x} v2={y}")
                diffs += 1
    print(f"{len(set(v1) | set(v2))} keys, {diffs} difference(s)")
    raise SystemExit(1 if diffs else 0)


if __name__ == "__main__":
    main()
