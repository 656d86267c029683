# Shared by the migration scripts: find the agentsys binary and run one of its subcommands.
# Sourced, not run. AGENTSYS overrides the binary (default: build/bin/agentsys of this checkout).

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
agentsys="${AGENTSYS:-$repo_root/build/bin/agentsys}"

require_agentsys() {
  if [[ ! -x "$agentsys" ]]; then
    echo "$(basename "$0"): no agentsys binary at $agentsys: build it first (bash scripts/build.sh), or set AGENTSYS=/path/to/agentsys" >&2
    exit 2
  fi
}

# Runs agentsys from the repository root, so that the default configuration (config/) and
# state directory (var/) are the checkout's. Global options (--state-dir, --env, --config-dir,
# --set) may be passed through the script's arguments.
run_agentsys() {
  require_agentsys
  cd "$repo_root"
  exec "$agentsys" "$@"
}
