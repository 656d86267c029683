#!/usr/bin/env bash
# The shadow run of the user's plan (section 4.1): V1 and V2 of a domain's modules run on the
# same tasks of one month; V1's results are the ones used, V2's are compared and recorded.
set -euo pipefail
source "$(dirname "$0")/common.sh"

usage() {
  cat <<'TEXT'
Usage: bash scripts/migration/v2_shadow_run.sh --target-month YYYYMM [options]

Puts every module of the domain (default: every migratable module) in shadow mode and runs each of its tasks for
the month: V1 serves them as before, V2 runs beside it sandboxed (its publish and its writes
outside its run directory are only recorded), and every pair is reconciled under the module's
comparison rules into var/reconcile/YYYYMM/MODULE/ (diff.json, summary.md).

Options (those of `agentsys migrate shadow`):
  --target-month YYYYMM   the month, e.g. 202602 (required)
  --domain D              the modules whose module table says domain = "D" (default: every module
                          with a domain, a V1 and a V2 plugin)
  --module M              only this module (repeatable)
  --json                  print the result as JSON (no progress)
  --state-dir DIR, --env ENV, --config-dir DIR, --set KEY=VALUE   agentsys's global options

Exit: 0 no block difference (warnings, e.g. a failed V1 run, are printed); 1 a block difference
(a failed or overrunning V2 is one) or a skipped module; 2 bad arguments.
TEXT
}

for arg in "$@"; do
  if [[ "$arg" == "-h" || "$arg" == "--help" ]]; then usage; exit 0; fi
done
run_agentsys migrate shadow "$@"
