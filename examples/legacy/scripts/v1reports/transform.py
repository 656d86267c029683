"""The declarative transform of a report definition (docs/reports.md), as V1 computes it.

Rows are grouped by `group_by`; each metric is computed per group, in order:
  count            rows (matching `where` when given)
  count_if         rows matching `where`
  sum              sum of the non-null `field` values (0 when none)
  avg              mean of the non-null `field` values (None when none)
  count_distinct   distinct non-null `field` values
  percentile       the p-th percentile of the non-null `field` values (None when none)
  ratio            of[0] / of[1]                    (None when of[1] is 0 or None)
  change_pct       (of[0] - of[1]) / of[1] * 100    (None when of[1] is 0 or None)

V1 quirk: percentiles interpolate linearly between the closest ranks (numpy's default);
V2 uses the nearest rank. See examples/legacy/README.md.
"""
import math


def percentile_linear(values, p):
    """Linear interpolation between closest ranks: h = (n - 1) * p / 100."""
    if not values:
        return None
    xs = sorted(values)
    h = (len(xs) - 1) * p / 100
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def _matches(row, where):
    return all(row.get(k) == v for k, v in (where or {}).items())


def _divide(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def _metric(metric, rows, done):
    op = metric["op"]
    if op in ("ratio", "change_pct"):
        a, b = (done.get(name) for name in metric["of"])
        if op == "ratio":
            return _divide(a, b)
        if a is None or b is None or b == 0:
            return None
        return (a - b) / b * 100
    selected = [r for r in rows if _matches(r, metric.get("where"))]
    if op in ("count", "count_if"):
        return len(selected)
    values = [r.get(metric["field"]) for r in selected]
    values = [v for v in values if v is not None]
    if op == "sum":
        return sum(values)
    if op == "avg":
        return sum(values) / len(values) if values else None
    if op == "count_distinct":
        return len(set(values))
    if op == "percentile":
        return percentile_linear(values, metric["p"])
    raise ValueError(f"unknown op {op!r}")


def apply_transform(transform, rows):
    """One dict per group: the group_by fields, then every metric by name."""
    group_by = transform["group_by"]
    groups = {}
    for row in rows:
        groups.setdefault(tuple(row.get(f) for f in group_by), []).append(row)
    out = []
    for key, members in groups.items():
        result = dict(zip(group_by, key))
        done = {}
        for metric in transform["metrics"]:
            done[metric["name"]] = _metric(metric, members, done)
        result.update(done)
        out.append(result)
    return out
