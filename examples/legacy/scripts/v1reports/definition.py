"""Report definitions (config/reports/NAME.toml) and their rule version.

The rule version is the first 16 hex characters of the SHA-256 of the definition's canonical
JSON: the TOML document as JSON with sorted keys and no whitespace. The C++ side computes the
same bytes with nlohmann::json::dump() of the TOML converted to JSON, so definitions hold no
floats and no dates (which the two would spell differently).
"""
import hashlib
import json
import re
import tomllib
from pathlib import Path

from .errors import UsageError

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
OPS = {"count", "count_if", "sum", "avg", "count_distinct", "percentile", "ratio", "change_pct"}


def report_path(config_dir, name):
    return Path(config_dir) / "reports" / f"{name}.toml"


def available_reports(config_dir):
    return sorted(p.stem for p in (Path(config_dir) / "reports").glob("*.toml"))


def load_definition(config_dir, name):
    """The definition of report `name`; UsageError when unknown or malformed."""
    if not _NAME.match(name or ""):
        raise UsageError(f"--report expects a report name like ops_monthly, got {name!r}")
    path = report_path(config_dir, name)
    if not path.is_file():
        known = ", ".join(available_reports(config_dir)) or "none"
        raise UsageError(f"unknown report {name!r}: there is no {path} (available: {known})")
    try:
        with open(path, "rb") as f:
            definition = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise UsageError(f"{path}: cannot read the report definition: {e}") from e
    check_definition(definition, name, path)
    return definition


def check_definition(d, name, path):
    """The few checks the pipeline relies on (the full schema is checked by preflight)."""
    def fail(why):
        raise UsageError(f"{path}: {why}")

    if d.get("name") != name:
        fail(f"name is {d.get('name')!r} but the file is {name}.toml")
    queries = d.get("queries")
    if not isinstance(queries, list) or not queries:
        fail("queries must be a non-empty array")
    for q in queries:
        if not isinstance(q, dict) or not str(q.get("sql", "")).strip():
            fail(f"query {q.get('name') if isinstance(q, dict) else q!r} has no SQL")
    transform = d.get("transform")
    if not isinstance(transform, dict) or not transform.get("group_by") or not transform.get("metrics"):
        fail("transform needs group_by and metrics")
    for m in transform["metrics"]:
        if m.get("op") not in OPS:
            fail(f"metric {m.get('name')!r}: unknown op {m.get('op')!r}")
    for key in ("key_fields", "value_fields"):
        if not d.get(key):
            fail(f"{key} must be a non-empty array")


def canonical_json(definition):
    """Sorted keys, no whitespace, UTF-8 as is: byte-identical to nlohmann::json::dump()."""
    def check(value, where):
        if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
            return
        if isinstance(value, float):
            raise UsageError(f"{where}: floats are not allowed in report definitions")
        if isinstance(value, list):
            for i, v in enumerate(value):
                check(v, f"{where}/{i}")
            return
        if isinstance(value, dict):
            for k, v in value.items():
                check(v, f"{where}/{k}")
            return
        raise UsageError(f"{where}: {type(value).__name__} values (TOML dates) are not allowed")

    check(definition, "")
    return json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def rule_version(definition):
    return hashlib.sha256(canonical_json(definition).encode("utf-8")).hexdigest()[:16]
