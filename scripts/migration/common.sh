# Shared by the migration scripts: find the agentsys binary and run one of its subcommands.
# Sourced, not run. AGENTSYS overrides the binary (default: build/bin/agentsys of this checkout);
# AGENTSYS_WORKDIR the directory it runs in (default: the checkout), where the relative paths of
# the configuration (state in var/, the sample database in var/sample/) are taken from.

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
agentsys="${AGENTSYS:-$repo_root/build/bin/agentsys}"

require_agentsys() {
  if [[ ! -x "$agentsys" ]]; then
    echo "$(basename "$0"): no agentsys binary at $agentsys: build it first (bash scripts/build.sh), or set AGENTSYS=/path/to/agentsys" >&2
    exit 2
  fi
}

# Runs agentsys from the repository root (or $AGENTSYS_WORKDIR), so that the default
# configuration (config/) and state directory (var/) are the checkout's. Global options (--state-dir, --env, --config-dir,
# --set) may be passed through the script's arguments.
run_agentsys() {
  require_agentsys
  cd "${AGENTSYS_WORKDIR:-$repo_root}"
  exec "$agentsys" "$@"
}
