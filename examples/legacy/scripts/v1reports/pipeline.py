"""One report run: extract (SQL on the operations database) -> transform -> render."""
import sqlite3
from pathlib import Path

from . import definition as defs
from .errors import ReportError, UsageError
from .months import month_params, parse_month
from .render import generated_at, order_rows, write_csv, write_markdown
from .transform import apply_transform


def open_database(db):
    path = Path(db)
    if not path.is_file():
        raise UsageError(f"--db: no database file {db}")
    try:
        # Read-only: a report never writes to the operations database.
        return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise ReportError(f"cannot open {db}: {e}") from e


def extract(conn, definition, params):
    """Every query's rows as dicts, each with _query = the query's name, in query order."""
    rows = []
    for q in definition["queries"]:
        # SQLite reads $1 as a parameter named "$1": bind by name ("1", "2", ...).
        binding = {str(i + 1): params[name] for i, name in enumerate(q.get("params", []))}
        try:
            cursor = conn.execute(q["sql"], binding)
            columns = [c[0] for c in cursor.description]
            for values in cursor:
                row = dict(zip(columns, values))
                row["_query"] = q["name"]
                rows.append(row)
        except sqlite3.Error as e:
            raise ReportError(f"query {q['name']!r} of report {definition['name']!r} failed: {e}") from e
    return rows


def run_report(name, target_month, db, out_dir, config_dir):
    """Runs report `name` for `target_month` (YYYYMM); returns the summary printed on stdout."""
    year, month = parse_month(target_month)
    definition = defs.load_definition(config_dir, name)
    version = defs.rule_version(definition)
    conn = open_database(db)
    try:
        rows = extract(conn, definition, month_params(year, month))
    finally:
        conn.close()
    result = order_rows(apply_transform(definition["transform"], rows),
                        definition["key_fields"], definition["value_fields"])
    columns = list(definition["transform"]["group_by"]) + list(definition["value_fields"])

    out = Path(out_dir)
    stamp = generated_at()
    csv_path = out / f"{name}_{target_month}.csv"
    md_path = out / f"{name}_{target_month}.md"
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_csv(csv_path, columns, result, stamp)
        write_markdown(md_path, definition, target_month, version, columns, result, stamp)
    except OSError as e:
        raise ReportError(f"cannot write the report into {out_dir}: {e}") from e
    return {
        "report": name,
        "target_month": target_month,
        "rows": len(result),
        "outputs": [str(csv_path), str(md_path)],
        "rule_version": version,
        "status": "ok",
    }
