#!/usr/bin/env bash
# Configures and builds one CMake preset (default: release). Used by main.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

preset=release
while [[ $# -gt 0 ]]; do
  case "$1" in
    --preset) preset="${2:?--preset needs a value: release, debug or asan}"; shift 2 ;;
    -h|--help) echo "Usage: bash scripts/build.sh [--preset release|debug|asan]"; exit 0 ;;
    *) echo "build: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
