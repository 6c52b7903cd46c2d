#!/usr/bin/env bash
# Attribution on a path file: wall time and peak memory of `unisono attribution` per
# model on N random distinct-ish paths (1-6 touches over 17 channels), median of RUNS.
#   bash bench/attribution_bench.sh            # N=1000000 RUNS=3
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${UNISONO_BIN:-$ROOT/build/unisono}"
N="${N:-1000000}"
RUNS="${RUNS:-3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/unisono-attr.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# Deterministic path file: channel choice skewed like real journeys (a few channels
# carry most touches), conversions and nulls per path drawn from small counts.
awk -v n="$N" 'BEGIN {
  srand(42);
  split("email web rep_visit paid_search display social app webinar e_rep call_center sms whatsapp congress postal rep_tablet tv print", ch, " ");
  print "path,total_conversions,total_conversion_value,total_null";
  for (i = 0; i < n; i++) {
    len = 1 + int(rand() * rand() * 6);
    p = "";
    for (t = 0; t < len; t++) {
      c = ch[1 + int(17 * rand() * rand())];
      p = (t ? p " > " : "") c;
    }
    conv = int(rand() * 3 * rand());
    nul = int(rand() * 20 * rand());
    if (conv + nul == 0) nul = 1;
    printf "%s,%d,%.2f,%d\n", p, conv, conv * (50 + int(rand() * 200)), nul;
  }
}' >"$WORK/paths.csv"
echo "== $N paths, $(du -h "$WORK/paths.csv" | cut -f1), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
printf '%-18s %10s %12s\n' model seconds peak_MiB
IFS=, read -r -a specs <<<"${MODELS:-first,last,linear,time_decay,position,shapley,markov 1,markov 2,markov 3,markov 4,data_driven}"
for spec in "${specs[@]}"; do
  read -r model order <<<"$spec"
  : >"$WORK/t"
  : >"$WORK/m"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %M' -o "$WORK/one" "$BIN" attribution --paths "$WORK/paths.csv" \
      --model "$model" --order "${order:-1}" --format csv >/dev/null
    read -r secs kb <"$WORK/one"
    echo "$secs" >>"$WORK/t"
    echo "$kb" >>"$WORK/m"
  done
  printf '%-18s %10s %12s\n' "$model${order:+ (order $order)}" "$(median <"$WORK/t")" \
    "$(( $(median <"$WORK/m") / 1024 ))"
done
