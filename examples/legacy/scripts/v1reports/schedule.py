"""5-field cron expressions (minute hour day-of-month month day-of-week, UTC), as far as the
scheduler needs them: is a report due for a target month? A run reports the month before the
one it fires in, so a report is due for month M when its schedule fires at least once in M+1."""
import calendar
import datetime

from .errors import UsageError
from .months import shift

_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def _field(text, lo, hi, expression):
    values = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise UsageError(f"schedule {expression!r}: bad step in {text!r}")
            step = int(step_text)
        if part == "*":
            first, last = lo, hi
        elif "-" in part:
            a, b = part.split("-", 1)
            if not (a.isdigit() and b.isdigit()):
                raise UsageError(f"schedule {expression!r}: bad range {part!r}")
            first, last = int(a), int(b)
        elif part.isdigit():
            first = last = int(part)
        else:
            raise UsageError(f"schedule {expression!r}: bad field {text!r}")
        if first < lo or last > hi or first > last:
            raise UsageError(f"schedule {expression!r}: {part!r} is outside {lo}-{hi}")
        values.update(range(first, last + 1, step))
    return values


def parse(expression):
    fields = expression.split()
    if len(fields) != 5:
        raise UsageError(f"schedule {expression!r}: expected 5 fields")
    parsed = [_field(f, lo, hi, expression) for f, (lo, hi) in zip(fields, _RANGES)]
    if 7 in parsed[4]:
        parsed[4].add(0)  # 7 is Sunday too
    return fields, parsed


def fires_in(expression, year, month):
    """Whether the schedule fires on some day of the month (cron: when both day fields are
    restricted, either may match)."""
    fields, (_, _, doms, months, dows) = parse(expression)
    if month not in months:
        return False
    dom_any, dow_any = fields[2].startswith("*"), fields[4].startswith("*")
    for day in range(1, calendar.monthrange(year, month)[1] + 1):
        dow = (datetime.date(year, month, day).weekday() + 1) % 7  # cron: 0 = Sunday
        dom_ok, dow_ok = day in doms, dow in dows
        if dom_any or dow_any:
            if dom_ok and dow_ok:
                return True
        elif dom_ok or dow_ok:
            return True
    return False


def due_for(expression, year, month):
    """Whether a report with this schedule is due for target month (year, month)."""
    return fires_in(expression, *shift(year, month, 1))
