#!/usr/bin/env bash
# Installs, from Debian 12 packages only, whatever the build, the tests and the main job need.
# Idempotent: when everything is present it changes nothing and exits 0 at once.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build pkgconf git ca-certificates clang-format
  # compiler cache (used by the build when present; its directory is outside the clone)
  ccache
  # libraries (headers)
  libboost-dev libboost-program-options-dev
  libtomlplusplus-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libsqlite3-dev libssl-dev
  libvalijson-dev libpg-query-dev libsimdjson-dev libcurl4-openssl-dev
  # the skills domain: YAML front matter, English stemming (Snowball)
  libyaml-cpp-dev libstemmer-dev
  # the legacy (V1) report scripts
  python3
  # tests and benchmarks
  doctest-dev libbenchmark-dev
)

usage() {
  cat <<USAGE
Usage: bash scripts/bootstrap.sh [--check] [--help]

Installs the Debian packages AgentSystem V2 needs (apt-get install --no-install-recommends).
Runs 'apt-get update' only when the package lists are missing or an install needs it.

  --check   only list what is missing; exit 1 if anything is
  --help    show this help
USAGE
}

check_only=0
for arg in "$@"; do
  case "$arg" in
    --check) check_only=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bootstrap: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if [[ $check_only -eq 1 ]]; then
  echo "bootstrap: missing packages: ${missing[*]}"
  exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "bootstrap: missing packages: ${missing[*]}" >&2
  echo "bootstrap: run this script as root (or: sudo apt-get install --no-install-recommends ${missing[*]})" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "bootstrap: installing ${missing[*]}"
# Package lists are absent on a fresh image; fetch them first in that case.
if ! compgen -G "/var/lib/apt/lists/*_Packages*" >/dev/null; then
  apt-get update -qq
fi
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
  # Stale lists name package versions the mirror no longer has: refresh once and retry.
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
