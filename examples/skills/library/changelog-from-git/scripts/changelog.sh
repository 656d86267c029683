#!/usr/bin/env bash
# Print a Markdown changelog section for FROM..TO grouped by conventional-commit type.
set -euo pipefail
from=${1:?usage: changelog.sh FROM [TO]}
to=${2:-HEAD}

declare -A title=([feat]="Features" [fix]="Fixes" [perf]="Performance" [docs]="Documentation"
                  [refactor]="Refactoring" [test]="Tests" [build]="Build" [ci]="CI")
order=(feat fix perf refactor docs test build ci)

log=$(git log --no-merges --format='%h%x09%s' "${from}..${to}")
echo "## ${to} ($(date -u +%Y-%m-%d))"
for type in "${order[@]}"; do
  lines=$(printf '%s\n' "$log" | awk -F'\t' -v t="$type" \
    '$2 ~ "^"t"(\\([^)]*\\))?!?: " { sub("^"t"(\\([^)]*\\))?!?: ", "", $2); print "- " $2 " (" $1 ")" }')
  if [[ -n "$lines" ]]; then
    printf '\n### %s\n%s\n' "${title[$type]}" "$lines"
  fi
done
other=$(printf '%s\n' "$log" | awk -F'\t' \
  '$2 !~ /^(feat|fix|perf|refactor|docs|test|build|ci)(\([^)]*\))?!?: / && NF { print "- " $2 " (" $1 ")" }')
if [[ -n "$other" ]]; then
  printf '\n### Other\n%s\n' "$other"
fi
