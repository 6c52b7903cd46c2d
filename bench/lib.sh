# Shared helpers for the bench/*.sh scripts.  Source it; do not execute it.
# shellcheck shell=bash

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"

# ---------------------------------------------------------------- settings
RUNS="${RUNS:-3}"                 # measured runs per side
DURATION="${DURATION:-10}"        # seconds per wrk run
WARMUP="${WARMUP:-2}"             # seconds of unmeasured warm-up per side (0 = none)
THREADS="${THREADS:-2}"           # wrk threads
WRITE_KEY="${WRITE_KEY:-bench-write-key}"
STARTUP_TIMEOUT="${STARTUP_TIMEOUT:-30}"
STOP_TIMEOUT="${STOP_TIMEOUT:-15}"
UNISONO_BIN="${UNISONO_BIN:-build/unisono}"
case "$UNISONO_BIN" in /*) ;; *) UNISONO_BIN="$REPO_ROOT/$UNISONO_BIN" ;; esac

log()  { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
warn() { printf '[%s] WARNING: %s\n' "$(date +%H:%M:%S)" "$*" >&2; PROBLEMS+=("$*"); }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
PROBLEMS=()

need() {
  local missing=()
  for t in "$@"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
  if ((${#missing[@]})); then
    die "missing tools: ${missing[*]} (run: bash bench/install_deps.sh)"
  fi
}

# ------------------------------------------------------------- temp + cleanup
BENCH_TMP=""
STARTED_PIDS=()

bench_tmp_init() {
  BENCH_TMP="$(mktemp -d "${TMPDIR:-/tmp}/unisono-bench.XXXXXX")"
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

bench_cleanup() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
  done
  if [[ -n "$BENCH_TMP" && -d "$BENCH_TMP" ]]; then
    if [[ "${KEEP_TMP:-0}" == 1 ]]; then
      log "kept temp dir $BENCH_TMP"
    else
      rm -rf "$BENCH_TMP"
    fi
  fi
}

# ------------------------------------------------------------------- ports
free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' && return
  fi
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    if ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then echo "$p"; return; fi
  done
  die "no free port found"
}

wait_port() {  # host port timeout_s
  local deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# ------------------------------------------------------------------- nginx
NGINX_PID=""
NGINX_PORT=""

start_nginx() {
  local dir="$BENCH_TMP/nginx"
  mkdir -p "$dir/logs" "$dir/tmp"
  NGINX_PORT="$(free_port)"
  cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  default_type application/json;
  keepalive_timeout 75s;
  keepalive_requests 1000000;
  client_max_body_size 2m;
  client_body_buffer_size 256k;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location /v1/track { return 200 '{"success":true}'; }
    location /v1/batch { return 200 '{"success":true}'; }
    location / { return 404; }
  }
}
EOF
  nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" \
    >"$dir/logs/stdout.log" 2>&1 &
  NGINX_PID=$!
  STARTED_PIDS+=("$NGINX_PID")
  if ! wait_port 127.0.0.1 "$NGINX_PORT" 10; then
    cat "$dir/logs/error.log" >&2 2>/dev/null
    die "nginx did not start on port $NGINX_PORT"
  fi
  log "nginx $(nginx -v 2>&1 | sed 's/.*\///') pid $NGINX_PID on 127.0.0.1:$NGINX_PORT"
}

stop_nginx() {
  [[ -n "$NGINX_PID" ]] || return 0
  kill -QUIT "$NGINX_PID" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$NGINX_PID" 2>/dev/null && kill -KILL "$NGINX_PID" 2>/dev/null
  wait "$NGINX_PID" 2>/dev/null
  NGINX_PID=""
}

# ----------------------------------------------------------------- unisono
UNISONO_PID=""
UNISONO_PORT=""
UNISONO_DATA=""

have_unisono() { [[ -x "$UNISONO_BIN" ]]; }

start_unisono() {  # data_dir
  UNISONO_DATA="$1"
  mkdir -p "$UNISONO_DATA"
  local out="$BENCH_TMP/unisono.stdout" err="$BENCH_TMP/unisono.stderr"
  : >"$out"
  "$UNISONO_BIN" serve --host 127.0.0.1 --port 0 --data "$UNISONO_DATA" \
    --write-key "$WRITE_KEY" >"$out" 2>"$err" &
  UNISONO_PID=$!
  STARTED_PIDS+=("$UNISONO_PID")
  local deadline=$((SECONDS + STARTUP_TIMEOUT)) line=""
  while ((SECONDS < deadline)); do
    line="$(grep -m1 -E '^unisono listening on http://127\.0\.0\.1:[0-9]+$' "$out" || true)"
    [[ -n "$line" ]] && break
    if ! kill -0 "$UNISONO_PID" 2>/dev/null; then
      wait "$UNISONO_PID"; local rc=$?
      echo "--- unisono stdout:" >&2; cat "$out" >&2
      echo "--- unisono stderr:" >&2; tail -n 30 "$err" >&2
      die "unisono exited with status $rc before it was ready"
    fi
    sleep 0.05
  done
  if [[ -z "$line" ]]; then
    echo "--- unisono stdout:" >&2; cat "$out" >&2
    echo "--- unisono stderr:" >&2; tail -n 30 "$err" >&2
    die "unisono printed no 'unisono listening on http://127.0.0.1:PORT' line within ${STARTUP_TIMEOUT}s (stdout not flushed?)"
  fi
  UNISONO_PORT="${line##*:}"
  if ! wait_port 127.0.0.1 "$UNISONO_PORT" 5; then
    die "unisono announced port $UNISONO_PORT but it does not accept connections"
  fi
  log "unisono pid $UNISONO_PID on 127.0.0.1:$UNISONO_PORT (data in temp dir)"
}

# Stops unisono with SIGTERM and records a problem if it does not exit cleanly.
stop_unisono() {
  [[ -n "$UNISONO_PID" ]] || return 0
  kill -TERM "$UNISONO_PID" 2>/dev/null
  local n=0
  while kill -0 "$UNISONO_PID" 2>/dev/null && ((n < STOP_TIMEOUT * 10)); do sleep 0.1; n=$((n + 1)); done
  if kill -0 "$UNISONO_PID" 2>/dev/null; then
    warn "unisono did not exit within ${STOP_TIMEOUT}s of SIGTERM; killed"
    kill -KILL "$UNISONO_PID" 2>/dev/null
  fi
  wait "$UNISONO_PID" 2>/dev/null
  local rc=$?
  if ((rc != 0)); then warn "unisono exit status after SIGTERM was $rc (expected 0)"; fi
  if [[ -s "$BENCH_TMP/unisono.stderr" ]]; then
    local n_err
    n_err="$(grep -ciE 'error|fail|abort|assert' "$BENCH_TMP/unisono.stderr" || true)"
    if ((n_err > 0)); then
      warn "unisono stderr has $n_err line(s) mentioning error/fail; last ones:"
      grep -iE 'error|fail|abort|assert' "$BENCH_TMP/unisono.stderr" | tail -n 5 >&2
    fi
  fi
  UNISONO_PID=""
}

# metrics_snapshot -> "commits events commit_seconds log_syncs log_requests log_seconds"
# from unisono's /metrics, or nothing if the endpoint or the counters are not there.
metrics_snapshot() {
  command -v curl >/dev/null 2>&1 || return 0
  curl -s --max-time 5 "http://127.0.0.1:$UNISONO_PORT/metrics" 2>/dev/null | awk '
    $1 == "unisono_store_commits_total" { c = $2 }
    $1 == "unisono_store_committed_events_total" { e = $2 }
    $1 == "unisono_store_commit_duration_seconds_sum" { s = $2 }
    $1 == "unisono_ingest_log_syncs_total" { lc = $2 }
    $1 == "unisono_ingest_log_synced_requests_total" { lr = $2 }
    $1 == "unisono_ingest_log_sync_duration_seconds_sum" { ls = $2 }
    END { if (c != "" && e != "") printf "%s %s %s %s %s %s\n", c, e, (s == "" ? 0 : s),
                                          lc + 0, lr + 0, ls + 0 }'
}

# metrics_delta "before" "after" seconds -> human summary of the group commits: the
# store's (indexing) and the ingest log's (what each acknowledgement waits for)
metrics_delta() {
  [[ -n "$1" && -n "$2" ]] || return 0
  awk -v b="$1" -v a="$2" -v d="$3" 'BEGIN {
    split(b, x, " "); split(a, y, " ")
    c = y[1] - x[1]; e = y[2] - x[2]; s = y[3] - x[3]
    lc = y[4] - x[4]; lr = y[5] - x[5]; ls = y[6] - x[6]
    if (c <= 0) { print "group commits: none"; exit }
    printf "group commits: %d, %.1f events/commit, mean commit-to-durable %.2f ms", c, e / c,
      1000 * s / c
    if (lc > 0) printf "; log syncs: %d, %.1f requests/sync, mean %.3f ms", lc, lr / lc,
      1000 * ls / lc
    printf "\n" }'
}

# wait_indexed: waits (up to 30 s) until unisono has indexed every acknowledged event
# (/healthz unindexed_events and queued_events at 0), so row counts are complete;
# prints how long that took after the load stopped and leaves it in INDEXED_AFTER_MS.
wait_indexed() {
  INDEXED_AFTER_MS=0
  command -v curl >/dev/null 2>&1 || { sleep 1; return 0; }
  local start_ns health="" i
  start_ns="$(date +%s%N)"
  for ((i = 0; i < 300; i++)); do
    health="$(curl -s --max-time 2 "http://127.0.0.1:$UNISONO_PORT/healthz" 2>/dev/null || true)"
    if [[ $health == *'"queued_events":0,'* && $health == *'"unindexed_events":0'* ]]; then
      if ((i > 0)); then
        INDEXED_AFTER_MS=$((($(date +%s%N) - start_ns) / 1000000))
        echo "    indexing caught up $INDEXED_AFTER_MS ms after the load stopped"
      fi
      return 0
    fi
    sleep 0.1
  done
  warn "unisono still had unindexed events 30 s after the load stopped: $health"
}

db_count() {  # db_path -> number of rows in events ("?" if unreadable)
  sqlite3 -cmd '.timeout 5000' "file:$1?mode=ro" 'SELECT count(*) FROM events;' 2>/dev/null || echo "?"
}

# --------------------------------------------------------------------- wrk
# run_wrk LABEL LUA_SCRIPT URL CONNECTIONS DURATION -> sets WRK_OUT (output file).
# Not meant for $(...): warnings must reach PROBLEMS in this shell.
WRK_TIMEOUT="${WRK_TIMEOUT:-10}"

run_wrk() {
  local label="$1" script="$2" url="$3" conns="$4" dur="$5"
  local out="$BENCH_TMP/wrk.$label.$(date +%s%N).out"
  WRK_OUT="$out"
  WRK_WRITE_KEY="$WRITE_KEY" timeout -k 5 $((dur + WRK_TIMEOUT + 30)) \
    wrk -t"$THREADS" -c"$conns" -d"${dur}s" --timeout "${WRK_TIMEOUT}s" \
    -s "$script" "$url" >"$out" 2>&1
  local rc=$?
  if ((rc != 0)); then
    warn "wrk ($label) exited with status $rc"
    sed 's/^/    /' "$out" >&2
  fi
}

# lua_field FILE KEY -> value of KEY=... on the LUA_RESULT line
lua_field() {
  grep -m1 '^LUA_RESULT ' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# check_wrk LABEL FILE: warns about non-OK responses and socket errors.
check_wrk() {
  local label="$1" f="$2"
  if ! grep -q '^LUA_RESULT ' "$f"; then
    warn "$label: wrk printed no LUA_RESULT line"; sed 's/^/    /' "$f" >&2; return 1
  fi
  local non2xx bad cerr rerr werr terr
  non2xx="$(lua_field "$f" non2xx)"; bad="$(lua_field "$f" badbody)"
  cerr="$(lua_field "$f" connect_err)"; rerr="$(lua_field "$f" read_err)"
  werr="$(lua_field "$f" write_err)"; terr="$(lua_field "$f" timeout_err)"
  if ((non2xx + bad > 0)); then
    warn "$label: $non2xx non-2xx and $bad 2xx-without-success responses: $(grep -m1 '^LUA_STATUS' "$f" | cut -d' ' -f2-)"
    grep -m1 '^LUA_SAMPLE' "$f" | sed 's/^/    /' >&2
  fi
  if ((cerr + rerr + werr + terr > 0)); then
    warn "$label: socket errors connect=$cerr read=$rerr write=$werr timeout=$terr"
  fi
  return 0
}

# summary line for one wrk run
wrk_line() {
  local f="$1"
  printf 'ok_rps=%s requests=%s non2xx=%s badbody=%s p50=%sms p99=%sms' \
    "$(lua_field "$f" ok_rps)" "$(lua_field "$f" requests)" "$(lua_field "$f" non2xx)" \
    "$(lua_field "$f" badbody)" "$(lua_field "$f" p50_ms)" "$(lua_field "$f" p99_ms)"
}

# ------------------------------------------------------------------ math
median() {  # numbers as args
  printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -g | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) { print "n/a"; exit }
      if (NR % 2) printf "%.2f\n", v[(NR + 1) / 2]
      else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
    }'
}

ratio() {  # a b -> a/b with 3 decimals, or n/a
  awk -v a="$1" -v b="$2" 'BEGIN {
    if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) { print "n/a"; exit }
    printf "%.3f\n", a / b }'
}

meets() {  # ratio target -> yes/no/n/a
  awk -v r="$1" -v t="$2" 'BEGIN {
    if (r !~ /^[0-9.]+$/) { print "n/a"; exit }
    print (r + 0 >= t + 0) ? "yes" : "NO" }'
}

fmt_int() { awk -v x="$1" 'BEGIN { if (x ~ /^[0-9.]+$/) printf "%.0f\n", x; else print x }'; }

print_problems() {
  if ((${#PROBLEMS[@]})); then
    echo
    echo "Problems seen (${#PROBLEMS[@]}):"
    printf '  - %s\n' "${PROBLEMS[@]}"
  fi
}
