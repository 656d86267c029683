"""The two kinds of failure the scripts tell apart by exit code."""


class UsageError(Exception):
    """Bad input (malformed month, unknown report, missing database): exit 2, nothing done."""


class ReportError(Exception):
    """The input was fine but the run failed (SQL error, unwritable output): exit 1."""
