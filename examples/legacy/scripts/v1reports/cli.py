"""What the three scripts share on the command line: defaults and exit codes."""
import json
import sys
from pathlib import Path

from .errors import ReportError, UsageError

# examples/legacy/scripts/v1reports/cli.py -> the repository's config/
DEFAULT_CONFIG_DIR = Path(__file__).resolve().parents[4] / "config"


def config_dir_of(value):
    path = (Path(value) if value else DEFAULT_CONFIG_DIR).resolve()
    if not (path / "reports").is_dir():
        raise UsageError(f"--config-dir: {path} has no reports/ folder")
    return path


def main(program, body):
    """Runs body(); prints its summary as one JSON line. Exit 0 ok, 1 runtime error (or the
    body's own code), 2 bad input; errors are one line on stderr."""
    try:
        summary, code = body()
    except UsageError as e:
        print(f"{program}: error: {e}", file=sys.stderr)
        return 2
    except ReportError as e:
        print(f"{program}: error: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # noqa: BLE001 - one line, never a traceback
        print(f"{program}: error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(json.dumps(summary, sort_keys=False))
    return code
