#!/usr/bin/env bash
# Durable events/s through POST /v1/batch (BATCH_SIZE track events per request)
# vs. raw SQLite: bench/sqlite_baseline inserting the same kind of rows into a
# table with the server's own schema (dumped from the server's database in this
# run), WAL + synchronous=FULL, TXN_ROWS rows per durable commit.
#
# Alternates unisono and baseline runs, RUNS of each; reports the median
# events/s of each and the ratio. unisono's figure is the stricter of its two rates:
# rows added to the events table over the run plus the time indexing took to catch
# up after it (acknowledged events are durable in the ingest log sooner).
#
# Env: UNISONO_BIN (default build/unisono), RUNS (3), DURATION (10 s),
#      WARMUP (2 s), THREADS (2), CONNECTIONS (16), BATCH_SIZE (100),
#      TXN_ROWS (1000; "auto" = the mean events per group commit unisono did in
#      the run just before, read from its /metrics), TARGET (0.50), SQLITE_BASELINE_BIN (prebuilt baseline;
#      default: compile bench/sqlite_baseline.cc with g++), KEEP_TMP=1.
# Without the unisono binary it measures the baseline alone (built-in schema).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONNECTIONS="${CONNECTIONS:-16}"
BATCH_SIZE="${BATCH_SIZE:-100}"
TXN_ROWS="${TXN_ROWS:-1000}"
TARGET="${TARGET:-0.50}"
LUA="$BENCH_DIR/wrk_batch.lua"
export WRK_BATCH_SIZE="$BATCH_SIZE"

need wrk sqlite3 awk
bench_tmp_init

if [[ -n "${SQLITE_BASELINE_BIN:-}" ]]; then
  BASELINE="$SQLITE_BASELINE_BIN"
else
  need g++
  BASELINE="$BENCH_TMP/sqlite_baseline"
  g++ -O2 -std=c++20 "$BENCH_DIR/sqlite_baseline.cc" -lsqlite3 -o "$BASELINE" \
    || die "could not build bench/sqlite_baseline.cc (needs libsqlite3-dev)"
fi

echo "== batch_vs_sqlite: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $BATCH_SIZE events/request, baseline $TXN_ROWS rows/txn, $RUNS runs each"
WITH_UNISONO=0
DDL_ARGS=()
DB="$BENCH_TMP/unisono-data/unisono.db"
if have_unisono; then
  start_unisono "$BENCH_TMP/unisono-data"
  WITH_UNISONO=1
  for _ in $(seq 1 50); do [[ -f "$DB" ]] && break; sleep 0.1; done
  sqlite3 -cmd '.timeout 5000' "$DB" ".schema events" >"$BENCH_TMP/events.sql" 2>"$BENCH_TMP/schema.err"
  if [[ -s "$BENCH_TMP/events.sql" ]]; then
    DDL_ARGS=(--ddl "$BENCH_TMP/events.sql")
    echo "server schema (used by the baseline):"
    sed 's/^/    /' "$BENCH_TMP/events.sql"
  else
    warn "could not read the events schema from the server's unisono.db ($(cat "$BENCH_TMP/schema.err")); baseline uses its built-in schema"
  fi
  jm="$(sqlite3 -cmd '.timeout 5000' "$DB" 'PRAGMA journal_mode;' 2>/dev/null)"
  [[ "$jm" == wal ]] || warn "server database journal_mode is '$jm', expected wal"
else
  log "unisono binary not found at ${UNISONO_BIN#"$REPO_ROOT"/}: measuring the baseline only (built-in schema)"
fi
UNISONO_URL="http://127.0.0.1:${UNISONO_PORT:-0}/v1/batch"

if ((WARMUP > 0 && WITH_UNISONO)); then
  run_wrk warm-unisono "$LUA" "$UNISONO_URL" "$CONNECTIONS" "$WARMUP"
  check_wrk "unisono warm-up" "$WRK_OUT"
  wait_indexed  # the first run's row count starts after the warm-up is indexed
  sleep 1
fi

uni_eps=(); base_eps=()
for i in $(seq 1 "$RUNS"); do
  if ((WITH_UNISONO)); then
    before="$(db_count "$DB")"; m_before="$(metrics_snapshot)"
    run_wrk "unisono-$i" "$LUA" "$UNISONO_URL" "$CONNECTIONS" "$DURATION"
    check_wrk "unisono run $i" "$WRK_OUT"
    wait_indexed
    after="$(db_count "$DB")"; m_after="$(metrics_snapshot)"
    ok="$(lua_field "$WRK_OUT" ok)"
    # Acknowledged events are durable in the ingest log; the rate counted is the
    # stricter one: rows in the events table over the run plus the catch-up after it.
    indexed_eps="$(awk -v rows="$((after - before))" -v d="$(lua_field "$WRK_OUT" duration_s)" \
      -v c="$INDEXED_AFTER_MS" 'BEGIN { printf "%.2f", rows / (d + c / 1000) }')"
    uni_eps+=("$indexed_eps")
    echo "unisono  run $i: events/s=$indexed_eps (indexed; acknowledged $(lua_field "$WRK_OUT" ok_events_per_s)/s) $(wrk_line "$WRK_OUT") db_rows_added=$((after - before))"
    m_line="$(metrics_delta "$m_before" "$m_after" "$(lua_field "$WRK_OUT" duration_s)")"
    [[ -n "$m_line" ]] && echo "    $m_line"
    if [[ "$TXN_ROWS" == auto ]]; then
      run_txn="$(awk -v b="$m_before" -v a="$m_after" 'BEGIN { split(b, x, " "); split(a, y, " ")
        c = y[1] - x[1]; if (c > 0) printf "%d\n", (y[2] - x[2]) / c + 0.5 }')"
    fi
    if [[ "$before" =~ ^[0-9]+$ && "$after" =~ ^[0-9]+$ && "$ok" =~ ^[0-9]+$ ]]; then
      added=$((after - before)); expect=$((ok * BATCH_SIZE))
      if ((added < expect)); then
        warn "unisono run $i: $ok batches got 200 (= $expect events) but only $added rows were added to events"
      elif ((added > expect + CONNECTIONS * BATCH_SIZE)); then
        warn "unisono run $i: $added rows added for $expect acknowledged events (more than the in-flight slack)"
      fi
    else
      warn "unisono run $i: could not count rows in events (before=$before after=$after)"
    fi
    sleep 1
  fi

  txn="$TXN_ROWS"
  if [[ "$TXN_ROWS" == auto ]]; then
    txn="${run_txn:-}"
    [[ "$txn" =~ ^[1-9][0-9]*$ ]] || { txn=1000; warn "TXN_ROWS=auto: no group-commit size from unisono's /metrics; using 1000"; }
  fi
  mkdir -p "$BENCH_TMP/baseline-$i"
  if "$BASELINE" --db "$BENCH_TMP/baseline-$i/baseline.db" "${DDL_ARGS[@]}" \
       --txn-rows "$txn" --seconds "$DURATION" --quiet >"$BENCH_TMP/baseline-$i.out" 2>&1; then
    line="$(grep -m1 '^BASELINE_RESULT' "$BENCH_TMP/baseline-$i.out")"
    eps="$(tr ' ' '\n' <<<"$line" | sed -n 's/^events_per_s=//p')"
    base_eps+=("$eps")
    echo "baseline run $i: events/s=$eps ${line#BASELINE_RESULT }"
    grep -i warning "$BENCH_TMP/baseline-$i.out" >&2
  else
    cat "$BENCH_TMP/baseline-$i.out" >&2
    die "sqlite_baseline failed"
  fi
  rm -rf "$BENCH_TMP/baseline-$i"
  sleep 1
done
if ((${#DDL_ARGS[@]} == 0)); then
  echo "(baseline used its built-in schema)"
fi

base_med="$(median "${base_eps[@]}")"
if ((WITH_UNISONO)); then
  uni_med="$(median "${uni_eps[@]}")"
  stop_unisono
else
  uni_med="n/a"
fi
r="$(ratio "$uni_med" "$base_med")"

echo
echo "baseline events/s per run: ${base_eps[*]}  median $(fmt_int "$base_med")"
echo "unisono  events/s per run: ${uni_eps[*]:-n/a}  median $(fmt_int "$uni_med")"
echo "ratio unisono/sqlite: $r (target >= $TARGET: $(meets "$r" "$TARGET"))"
print_problems
printf 'BENCH_RESULT|POST /v1/batch, %s events/req (wrk -t%s -c%s, %ss x %s)|%s|%s|%s|>= %s|durable events/s, baseline raw SQLite %s rows/txn|%s\n' \
  "$BATCH_SIZE" "$THREADS" "$CONNECTIONS" "$DURATION" "$RUNS" "$(fmt_int "$uni_med")" \
  "$(fmt_int "$base_med")" "$r" "$TARGET" "$TXN_ROWS" "${#PROBLEMS[@]}"
