#!/usr/bin/env bash
# The main job: install what is missing, build, load the bundled plugins, run the demo module
# through its V1 and its V2 plugin, then the reports chain on the bundled sample: generate the
# operations database, run the report scheduler for 202602, trace a published report back to
# its inputs, route requests in English and Chinese to the bundled skills and measure the router
# on the labelled queries, run the shadow migration of the reports and skills domains for 202602
# (V1 serves, V2 runs beside it, every pair reconciled) and print the reconciliation summary.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  echo "Usage: bash scripts/main.sh   (installs dependencies, builds, runs the demo, the reports, skill routing and their shadow migration for 202602; state in var/main, outputs in var/output)"
  exit 0
fi

bash scripts/bootstrap.sh
bash scripts/build.sh --preset release

agentsys=build/bin/agentsys
state=var/main
step() { printf '\n== %s\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }

step "Plugins the kernel loaded" "$agentsys" plugins list
step "Route the demo module to its V1 plugin" "$agentsys" --state-dir "$state" module set demo --mode v1
step "Run a task through V1" "$agentsys" --state-dir "$state" run demo --input '{"message":"hello from the main job"}'
step "Route the demo module to its V2 plugin" "$agentsys" --state-dir "$state" module set demo --mode v2
step "Run the same task through V2" "$agentsys" --state-dir "$state" run demo --input '{"message":"hello from the main job"}'
step "Modules and their routing" "$agentsys" --state-dir "$state" module list

# The reports chain on the bundled sample (docs/reports.md).
if [[ ! -f var/sample/ops.db ]]; then
  step "Generate the sample operations database" "$agentsys" sample generate --db var/sample/ops.db
fi
step "Run every report due for 202602" "$agentsys" --state-dir "$state" run report_scheduler --target-month 202602
step "Run one report and publish it" "$agentsys" --state-dir "$state" run report_orchestrator --report ops_monthly --target-month 202602
step "Where the published report came from" "$agentsys" --state-dir "$state" lineage show var/output/reports/202602/ops_monthly.csv

# Skill routing (docs/skills.md): the bundled skills, a request in each language, the labelled set.
step "Route a request to a skill" "$agentsys" skills route "the image vendor keeps timing out, fail over to the backup provider"
step "Route a request in Chinese" "$agentsys" skills route "帮我回滚上次的切换，V2 出问题了"
step "Measure the router on the bundled labelled queries" "$agentsys" skills eval --queries examples/skills/queries.jsonl

# The migration (docs/migration.md): the user's shadow-run command on the same state.
step "Shadow migration of the reports domain for 202602" bash scripts/migration/v2_shadow_run.sh --target-month 202602 --domain reports --state-dir "$state"
step "Shadow migration of the skills domain for 202602 (a request log with labels)" bash scripts/migration/v2_shadow_run.sh --target-month 202602 --domain skills --state-dir "$state"
step "Reconciliation summary" "$agentsys" --state-dir "$state" reconcile show --target-month 202602
