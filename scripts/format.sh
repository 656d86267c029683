#!/usr/bin/env bash
# clang-format over the project's C and C++ sources. --check changes nothing and fails on any
# difference; without it, files are rewritten in place.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=fix
case "${1:-}" in
  --check) mode=check ;;
  "") ;;
  -h|--help) echo "Usage: bash scripts/format.sh [--check]"; exit 0 ;;
  *) echo "format: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac

mapfile -t files < <(git ls-files -- '*.c' '*.h' '*.cpp' '*.hpp' '*.in' | grep -v '\.cmake\.in$' | grep -E '\.(c|h|cpp|hpp)(\.in)?$')
if [[ $mode == check ]]; then
  clang-format --dry-run -Werror "${files[@]}"
  echo "format: ${#files[@]} files clean"
else
  clang-format -i "${files[@]}"
fi
