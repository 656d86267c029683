"""CSV and Markdown renderings of a report, V1 style.

V1 quirks (kept on purpose; the migration has to see and classify them):
- every CSV row ends with a `generated_at` column holding the wall clock of the run;
- floats are printed with Python's repr (0.9523809523809523), V2 rounds to 4 decimals;
- rows are ordered by the first value field, largest first (V2 orders by the key fields).
"""
import csv
import datetime


def generated_at():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def order_rows(rows, key_fields, value_fields):
    """Largest first value field first; None last; ties by key."""
    first = value_fields[0]

    def sort_key(row):
        v = row.get(first)
        return (v is None, -(v or 0), tuple(str(row.get(k)) for k in key_fields))

    return sorted(rows, key=sort_key)


def text(value):
    """repr for floats (str of a float is its repr), nothing for None."""
    if value is None:
        return ""
    return str(value)


def write_csv(path, columns, rows, stamp):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns + ["generated_at"])
        for row in rows:
            writer.writerow([text(row.get(c)) for c in columns] + [stamp])


def write_markdown(path, definition, target_month, version, columns, rows, stamp):
    month = f"{target_month[:4]}-{target_month[4:]}"
    lines = [
        f"# {definition['title']} — {month}",
        "",
        f"Report `{definition['name']}`, rule version `{version}`, generated {stamp} by V1.",
        "",
    ]
    if definition.get("description"):
        lines += [definition["description"], ""]
    lines.append("| " + " | ".join(columns) + " |")
    lines.append("|" + "|".join("---" for _ in columns) + "|")
    for row in rows:
        lines.append("| " + " | ".join(text(row.get(c)) for c in columns) + " |")
    lines.append("")
    lines.append(f"{len(rows)} rows.")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
