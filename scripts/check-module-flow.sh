#!/usr/bin/env bash
# Fails when a module includes one that comes later in the data flow, or another
# module's internal/ folder (see STYLE.md, rule 15). Order, earliest first:
set -euo pipefail
order=(core storage ingest identity profile segment content journey channel analytics demo server cli)
cd "$(dirname "$0")/../src"

rank() {
  local i
  for i in "${!order[@]}"; do
    [[ "${order[$i]}" == "$1" ]] && { echo "$i"; return; }
  done
  echo -1
}

bad=0
while IFS= read -r file; do
  module=${file%%/*}
  mine=$(rank "$module")
  while IFS= read -r inc; do
    target=${inc%%/*}
    theirs=$(rank "$target")
    [[ "$theirs" == -1 ]] && continue
    if [[ "$target" != "$module" && "$inc" == */internal/* ]]; then
      echo "$file includes $inc: another module's internal header"
      bad=1
    elif (( theirs > mine )); then
      echo "$file includes $inc: '$target' comes after '$module' in the data flow"
      bad=1
    fi
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file")
done < <(find . -name '*.h' -o -name '*.cc' | sed 's|^\./||' | sort)

if (( bad )); then
  echo "module flow: FAILED"
  exit 1
fi
echo "module flow: every include follows ${order[*]}"
