#!/usr/bin/env bash
# The ablation table of docs/skills.md: `agentsys skills eval` on a labelled set with each part
# of the router switched off in turn (through --set, the configuration overrides), and plain
# BM25 over name and description as the floor.
#   bash tools/skills/ablation.sh [QUERIES.jsonl] [SKILLS_DIR]
# (defaults: the bundled examples/skills/queries.jsonl and library/). Prints a Markdown table.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
agentsys="${AGENTSYS:-$root/build/bin/agentsys}"
queries="${1:-$root/examples/skills/queries.jsonl}"
skills="${2:-$root/examples/skills/library}"
r="skills.router.ranking"

plain=(--set "$r.body_weight=0" --set "$r.stemming=false" --set "$r.typo_correction=false"
       --set "$r.compounds=false" --set "$r.glossary=false" --set "$r.stop_words=false"
       --set "$r.name_weight=1")

row() {
  local label="$1"; shift
  "$agentsys" "$@" skills eval --queries "$queries" --skills-dir "$skills" --json |
    python3 -c '
import json, sys
d = json.load(sys.stdin)
f = lambda v: "n/a" if v is None else "%.3f" % v
print("| %s | %s | %s | %s | %s | %s |" % (sys.argv[1], f(d["top1_accuracy"]), f(d["top3_recall"]),
      f(d["mrr"]), f(d["no_skill_precision"]), f(d["no_skill_recall"])))' "$label"
}

echo "| configuration | top-1 accuracy | top-3 recall | MRR | no-skill precision | no-skill recall |"
echo "|---|---|---|---|---|---|"
row "plain BM25, name + description (floor)" "${plain[@]}"
row "the router (shipped defaults)"
row "  without the body field" --set "$r.body_weight=0"
row "  without stemming" --set "$r.stemming=false"
row "  without stop words" --set "$r.stop_words=false"
row "  without the name boost (name_weight 1)" --set "$r.name_weight=1"
row "  without typo correction" --set "$r.typo_correction=false"
row "  without compounds" --set "$r.compounds=false"
row "  without the glossary" --set "$r.glossary=false"
row "  CJK unigrams instead of bigrams" --set "$r.cjk_bigrams=false"
row "  without the no-skill threshold" --set "skills.router.threshold=0"
