#!/usr/bin/env python3
"""Validate a YYYYMM target month and print the report month parameters as JSON."""
import json
import re
import sys


def month_params(month: str) -> dict:
    m = re.fullmatch(r"(\d{4})(\d{2})", month)
    if not m or not (1970 <= int(m.group(1))) or not (1 <= int(m.group(2)) <= 12):
        raise ValueError(f"not a YYYYMM month: {month!r}")
    year, mon = int(m.group(1)), int(m.group(2))
    nxt = (year + (mon == 12), mon % 12 + 1)
    prev = (year - (mon == 1), (mon - 2) % 12 + 1)
    fmt = "{:04d}-{:02d}-01T00:00:00.000Z"
    return {"target_month": month,
            "month_start": fmt.format(year, mon),
            "next_month_start": fmt.format(*nxt),
            "prev_month_start": fmt.format(*prev)}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check_month.py YYYYMM")
    try:
        print(json.dumps(month_params(sys.argv[1])))
    except ValueError as e:
        print(f"check_month: error: {e}", file=sys.stderr)
        sys.exit(2)
