#!/usr/bin/env bash
# Runs every unisono benchmark and prints a Markdown block to paste into
# bench/RESULTS.md.  Writes nothing into the repo.
#
#   bash bench/run.sh                       # defaults: RUNS=3 DURATION=10
#   RUNS=3 DURATION=5 bash bench/run.sh     # shorter
#
# Env is passed on to bench/track_vs_nginx.sh and bench/batch_vs_sqlite.sh
# (UNISONO_BIN, RUNS, DURATION, WARMUP, THREADS, ...); track runs at CONNECTIONS
# (default 32) and again at 256.  Google Benchmark
# executables found in build/bench/ (BENCH_BUILD_DIR) are run with
# --benchmark_repetitions=3 --benchmark_report_aggregates_only=true.
# Set SKIP_HTTP=1 to run only the Google Benchmark binaries.
set -uo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
BENCH_BUILD_DIR="${BENCH_BUILD_DIR:-build/bench}"
case "$BENCH_BUILD_DIR" in /*) ;; *) BENCH_BUILD_DIR="$REPO_ROOT/$BENCH_BUILD_DIR" ;; esac
GBENCH_TIMEOUT="${GBENCH_TIMEOUT:-900}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/unisono-run.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

cpu_model="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
machine="$(nproc) cores (nproc), ${cpu_model:-unknown CPU}, Linux $(uname -r)"
commit="$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo 'no commit')"
dirty=""
[[ -n "$(git -C "$REPO_ROOT" status --porcelain 2>/dev/null)" ]] && dirty=" (work tree modified)"
tools="$(nginx -v 2>&1 | sed 's/^nginx version: //'), wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'), sqlite $(sqlite3 --version 2>/dev/null | awk '{print $1}')"

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
load_start="$(loadavg)"
echo "== machine: $machine"
echo "== tools:   $tools"
echo "== commit:  $commit$dirty"
echo "== load average: $load_start"
echo "== settings: RUNS=${RUNS:-3} DURATION=${DURATION:-10} WARMUP=${WARMUP:-2} THREADS=${THREADS:-2}"
echo

results=()
if [[ "${SKIP_HTTP:-0}" != 1 ]]; then
  # Track twice: at 32 connections each request waits for its log sync (latency
  # bound); at 256 the syncs carry more requests and the two cores are the bound.
  for spec in "track_vs_nginx.sh" "track_vs_nginx.sh CONNECTIONS=256" "batch_vs_sqlite.sh"; do
    read -r script setting <<<"$spec"
    out="$WORK/$script${setting:+.${setting#*=}}.out"
    echo "################ $script${setting:+ ($setting)}"
    env ${setting:+"$setting"} bash "$BENCH_DIR/$script" 2>&1 | tee "$out"
    line="$(grep '^BENCH_RESULT|' "$out" | tail -1)"
    if [[ -n "$line" ]]; then
      results+=("$line")
    else
      results+=("BENCH_RESULT|$script${setting:+ $setting}|failed|-|-|-|-|see output")
    fi
    echo
  done
fi

# ---------------------------------------------------- Google Benchmark binaries
gbench_rows=()
gbench_raw=""
if [[ -d "$BENCH_BUILD_DIR" ]]; then
  while IFS= read -r exe; do
    name="$(basename "$exe")"
    # Only Google Benchmark programs are run; tell them apart without running
    # anything (other programs may ignore unknown flags and start working).
    if ! { grep -qa 'benchmark_list_tests' "$exe" || ldd "$exe" 2>/dev/null | grep -q 'libbenchmark'; }; then
      echo "(skipping $name: not a Google Benchmark binary)"
      continue
    fi
    echo "################ $name"
    json="$WORK/$name.json"
    timeout -k 10 "$GBENCH_TIMEOUT" "$exe" --benchmark_repetitions=3 \
      --benchmark_report_aggregates_only=true \
      --benchmark_out="$json" --benchmark_out_format=json 2>&1 | tee "$WORK/$name.out"
    rc=${PIPESTATUS[0]}
    ((rc != 0)) && echo "WARNING: $name exited with status $rc"
    gbench_raw+="$(cat "$WORK/$name.out")"$'\n'
    if [[ -s "$json" ]] && command -v jq >/dev/null 2>&1; then
      while IFS= read -r row; do gbench_rows+=("$row"); done < <(jq -r --arg bin "$name" '
        .benchmarks[] | select(.aggregate_name == "median") |
        "| \($bin): \(.run_name // .name) | \(.real_time | . * 100 | round / 100) \(.time_unit) | \(.cpu_time | . * 100 | round / 100) \(.time_unit) | \(if .items_per_second then (.items_per_second | round | tostring) else "" end) | \(if .bytes_per_second then ((.bytes_per_second / 1048576 * 10 | round / 10 | tostring) + " MiB/s") else "" end) |"' "$json")
    fi
    echo
  done < <(find "$BENCH_BUILD_DIR" -maxdepth 1 -type f -perm -u+x | sort)
fi

# --------------------------------------------------------------------- report
load_end="$(loadavg)"
echo
echo "================ Markdown for bench/RESULTS.md ================"
echo
echo "### $(date -u +%Y-%m-%d) — commit $commit$dirty"
echo
echo "- Machine: $machine"
echo "- Tools: $tools"
echo "- Load average (1/5/15 min) at start: $load_start; at end: $load_end (above ~2 the numbers are noisy)"
echo "- Command: \`RUNS=${RUNS:-3} DURATION=${DURATION:-10} bash bench/run.sh\` (medians of ${RUNS:-3} alternating runs)"
echo
if ((${#results[@]})); then
  echo "| benchmark | unisono | baseline | ratio | target | problems |"
  echo "| --- | --- | --- | --- | --- | --- |"
  for line in "${results[@]}"; do
    IFS='|' read -r _ name uni base ratio target unit problems <<<"$line"
    echo "| $name — $unit | $uni | $base | $ratio | $target | $problems |"
  done
  echo
fi
if ((${#gbench_rows[@]})); then
  echo "Google Benchmark (median of 3 repetitions):"
  echo
  echo "| benchmark | real time | CPU time | items/s | bytes/s |"
  echo "| --- | --- | --- | --- | --- |"
  printf '%s\n' "${gbench_rows[@]}"
  echo
elif [[ -n "$gbench_raw" ]]; then
  echo '```'
  printf '%s' "$gbench_raw"
  echo '```'
fi
