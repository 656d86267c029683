#!/usr/bin/env bash
# The small-traffic cutover of the user's plan (section 4.2): a stable N% of a domain's tasks
# go to V2, after a snapshot and only while no red line is crossed.
set -euo pipefail
source "$(dirname "$0")/common.sh"

usage() {
  cat <<'TEXT'
Usage: bash scripts/migration/v2_cutover.sh --target-month YYYYMM --percent N [options]

For every module of the domain (default: every migratable module): checks the rollback red lines for the month
(the latest shadow run must have no block difference and reach the consistency threshold; no
failed security audit; no failing V2 key outputs), takes the required snapshot of the
configuration, the outputs and the scheduler state (refusing the cutover if it cannot), then
routes N% of the tasks to V2. A task's side is a stable hash of the module's salt and its
idempotency key: raising N only moves tasks from V1 to V2.

Options (those of `agentsys migrate cutover`):
  --target-month YYYYMM   the month whose shadow run is checked, e.g. 202602 (required)
  --percent N             0..100 (required)
  --domain D | --module M   which modules (default: every module with a domain, a V1 and a V2 plugin)
  --json                  print the result as JSON (no progress)
  --state-dir DIR, --env ENV, --config-dir DIR, --set KEY=VALUE   agentsys's global options

Exit: 0 cut over; 1 refused (nothing changed; the reason is printed); 2 bad arguments.
Rollback: bash scripts/migration/v2_rollback.sh --target-month YYYYMM --reason "output_mismatch"
TEXT
}

for arg in "$@"; do
  if [[ "$arg" == "-h" || "$arg" == "--help" ]]; then usage; exit 0; fi
done
run_agentsys migrate cutover "$@"
