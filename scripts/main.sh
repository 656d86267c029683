#!/usr/bin/env bash
# The main job: install what is missing, build, load the bundled plugins and run the demo
# module through its V1 and its V2 plugin, printing what ran.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  echo "Usage: bash scripts/main.sh   (installs dependencies, builds, runs the demo; state in var/main)"
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
