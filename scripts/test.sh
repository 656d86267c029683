#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (CTest: unit, CLI end to end, SDK
# install). `--preset asan` runs the same suite under AddressSanitizer + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."

preset=release
while [[ $# -gt 0 ]]; do
  case "$1" in
    --preset) preset="${2:?--preset needs a value: release, debug or asan}"; shift 2 ;;
    -h|--help) echo "Usage: bash scripts/test.sh [--preset release|debug|asan]"; exit 0 ;;
    *) echo "test: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

# CTest's doctest discovery splits test names at ';' and would run an empty filter that passes.
if grep -rnE '^(TEST_CASE|SUBCASE)\("[^"]*;' tests >&2; then
  echo "test: a test name above contains ';' -- use ',' instead (ctest splits names at ';')" >&2
  exit 2
fi

bash scripts/bootstrap.sh
bash scripts/build.sh --preset "$preset"
ctest --preset "$preset" -j "$(nproc)"
