"""Target months (YYYYMM) and the month parameters a report's queries are bound to."""
import re

from .errors import UsageError

_MONTH = re.compile(r"^([0-9]{4})(0[1-9]|1[0-2])$")


def parse_month(text):
    """'202602' -> (2026, 2); anything else is a UsageError."""
    m = _MONTH.match(text or "")
    if not m or int(m.group(1)) < 1970:
        raise UsageError(f"--target-month expects YYYYMM (e.g. 202602, month 01..12), got {text!r}")
    return int(m.group(1)), int(m.group(2))


def shift(year, month, delta):
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def iso_start(year, month):
    """How started_at values of a month begin: '2026-02-01T00:00:00.000Z'."""
    return f"{year:04d}-{month:02d}-01T00:00:00.000Z"


def month_params(year, month):
    """The named parameters a query's `params` list picks from."""
    return {
        "month_start": iso_start(year, month),
        "next_month_start": iso_start(*shift(year, month, 1)),
        "prev_month_start": iso_start(*shift(year, month, -1)),
    }
