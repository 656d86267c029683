#!/usr/bin/env bash
# The emergency rollback of the user's plan (section 4.3): restore the cutover's snapshot and
# route the domain's modules back to V1.
set -euo pipefail
source "$(dirname "$0")/common.sh"

usage() {
  cat <<'TEXT'
Usage: bash scripts/migration/v2_rollback.sh --target-month YYYYMM --reason CODE [options]

Rolls back every module of the domain (default: every migratable module) that V2 serves at least partly: verifies
and restores the snapshot its cutover took (configuration and outputs, byte for byte), routes it
to V1, records `rollback` events, writes rollback_report.md (trigger, time, snapshot, affected
runs, the red lines' evidence, what to do next) under var/rollbacks/ID/ and creates a to-do item
(agentsys todo list).

Options (those of `agentsys migrate rollback`):
  --target-month YYYYMM   the month, e.g. 202602 (required)
  --reason CODE           output_mismatch, key_output_failure, reconciliation_failure,
                          security_gate_failed, latency_regression, ... ([a-z][a-z0-9_]*),
                          optionally "CODE: details" (required)
  --dry-run               print what would be rolled back and the red lines' evidence only
  --domain D | --module M   which modules (default: every module with a domain, a V1 and a V2 plugin)
  --json                  print the result as JSON
  --state-dir DIR, --env ENV, --config-dir DIR, --set KEY=VALUE   agentsys's global options

Exit: 0 rolled back (or nothing to roll back); 1 the rollback failed (e.g. a corrupted
snapshot: nothing was changed); 2 bad arguments.
TEXT
}

for arg in "$@"; do
  if [[ "$arg" == "-h" || "$arg" == "--help" ]]; then usage; exit 0; fi
done
run_agentsys migrate rollback "$@"
