#!/usr/bin/env bash
# POST /v1/track throughput: unisono (durable, SQLite) vs nginx returning a
# canned {"success":true} (the HTTP ceiling on this machine).
#
# Alternates nginx and unisono runs, RUNS of each, and reports the median of
# the *successful* requests/s (2xx with {"success":true}) of each and the
# ratio unisono/nginx.  Non-2xx responses, socket errors and rows missing from
# the database are reported as problems.
#
# Env: UNISONO_BIN (default build/unisono, relative to the repo root), RUNS (3),
#      DURATION (10 s), WARMUP (2 s), THREADS (2), CONNECTIONS (32),
#      TARGET (0.40), KEEP_TMP=1 to keep the temp dir.
# Without the unisono binary it measures nginx alone.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONNECTIONS="${CONNECTIONS:-32}"
TARGET="${TARGET:-0.40}"
LUA="$BENCH_DIR/wrk_track.lua"

need wrk nginx sqlite3 awk
bench_tmp_init

echo "== track_vs_nginx: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $RUNS runs each, warm-up ${WARMUP}s"
start_nginx
WITH_UNISONO=0
if have_unisono; then
  start_unisono "$BENCH_TMP/unisono-data"
  WITH_UNISONO=1
else
  log "unisono binary not found at ${UNISONO_BIN#"$REPO_ROOT"/}: measuring nginx only"
fi
NGINX_URL="http://127.0.0.1:$NGINX_PORT/v1/track"
UNISONO_URL="http://127.0.0.1:${UNISONO_PORT:-0}/v1/track"
DB="$BENCH_TMP/unisono-data/unisono.db"

if ((WARMUP > 0)); then
  run_wrk warm-nginx "$LUA" "$NGINX_URL" "$CONNECTIONS" "$WARMUP"
  if ((WITH_UNISONO)); then
    run_wrk warm-unisono "$LUA" "$UNISONO_URL" "$CONNECTIONS" "$WARMUP"
    wait_indexed  # the first run's row count starts after the warm-up is indexed
  fi
fi

nginx_rps=(); unisono_rps=()
for i in $(seq 1 "$RUNS"); do
  run_wrk "nginx-$i" "$LUA" "$NGINX_URL" "$CONNECTIONS" "$DURATION"
  check_wrk "nginx run $i" "$WRK_OUT"
  nginx_rps+=("$(lua_field "$WRK_OUT" ok_rps)")
  echo "nginx   run $i: $(wrk_line "$WRK_OUT")"
  sleep 1

  if ((WITH_UNISONO)); then
    before="$(db_count "$DB")"; m_before="$(metrics_snapshot)"
    run_wrk "unisono-$i" "$LUA" "$UNISONO_URL" "$CONNECTIONS" "$DURATION"
    check_wrk "unisono run $i" "$WRK_OUT"
    unisono_rps+=("$(lua_field "$WRK_OUT" ok_rps)")
    wait_indexed
    after="$(db_count "$DB")"; m_after="$(metrics_snapshot)"
    ok="$(lua_field "$WRK_OUT" ok)"
    echo "unisono run $i: $(wrk_line "$WRK_OUT") db_rows_added=$((after - before))"
    m_line="$(metrics_delta "$m_before" "$m_after" "$(lua_field "$WRK_OUT" duration_s)")"
    [[ -n "$m_line" ]] && echo "    $m_line"
    # Every 200 must be a row; requests cut off by wrk's stop may add at most
    # CONNECTIONS more rows.
    if [[ "$before" =~ ^[0-9]+$ && "$after" =~ ^[0-9]+$ && "$ok" =~ ^[0-9]+$ ]]; then
      added=$((after - before))
      if ((added < ok)); then
        warn "unisono run $i: $ok requests got 200 but only $added rows were added to events"
      elif ((added > ok + CONNECTIONS)); then
        warn "unisono run $i: $added rows added for $ok successful requests (more than in-flight slack $CONNECTIONS)"
      fi
    else
      warn "unisono run $i: could not count rows in events (before=$before after=$after)"
    fi
    sleep 1
  fi
done

nginx_med="$(median "${nginx_rps[@]}")"
if ((WITH_UNISONO)); then
  uni_med="$(median "${unisono_rps[@]}")"
  stop_unisono
else
  uni_med="n/a"
fi
stop_nginx
r="$(ratio "$uni_med" "$nginx_med")"

echo
echo "nginx   req/s per run: ${nginx_rps[*]}  median $(fmt_int "$nginx_med")"
echo "unisono req/s per run: ${unisono_rps[*]:-n/a}  median $(fmt_int "$uni_med")"
echo "ratio unisono/nginx: $r (target >= $TARGET: $(meets "$r" "$TARGET"))"
print_problems
# Machine-readable line for bench/run.sh:
# BENCH_RESULT|name|unisono|baseline|ratio|target|unit|problems
printf 'BENCH_RESULT|POST /v1/track (wrk -t%s -c%s, %ss x %s)|%s|%s|%s|>= %s|req/s, baseline nginx static 200|%s\n' \
  "$THREADS" "$CONNECTIONS" "$DURATION" "$RUNS" "$(fmt_int "$uni_med")" "$(fmt_int "$nginx_med")" \
  "$r" "$TARGET" "${#PROBLEMS[@]}"
