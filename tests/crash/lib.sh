# shellcheck shell=bash
# Helpers shared by the tests in tests/crash/ that drive the real server binary.
# The caller sets BIN and WRITE_KEY, calls init_work, and may set SERVER_ENV (an
# array of VAR=value the server starts with) before start_server.

# require_tools TOOL...: stops with status 2, naming the first tool not installed.
require_tools() {
  local tool
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "FAIL: '$tool' is required but not installed" >&2
      exit 2
    fi
  done
}

# server_and_shim "$@": BIN and SHIM from a fault test's two arguments, or the usage.
server_and_shim() {
  BIN="${1:-}"
  SHIM="${2:-}"
  if [[ ! -x $BIN || ! -f $SHIM ]]; then
    echo "usage: $0 path/to/unisono path/to/libunisono_disk_faults.so (given: '$BIN' '$SHIM')" >&2
    exit 2
  fi
}

pass() { echo "PASS: $*"; }
fail() {
  echo "FAIL: $*"
  FAILS=$((FAILS + 1))
}
# Fatal failure: report and stop (the caller's EXIT trap cleans up).
die() {
  echo "FAIL: $*"
  exit 1
}

# Waits up to $2 tenths of a second for process $1 to go away; status 0 if it did.
wait_gone() {
  local i
  for ((i = 0; i < $2; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  ! kill -0 "$1" 2>/dev/null
}

# shellcheck disable=SC2317  # also called from EXIT traps
stop_pid() {
  local pid="$1"
  [[ -n $pid ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid" 30 || kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# Prints the last lines of each server's stderr (for a failed run).
show_server_errors() {
  local f
  for f in "$WORK"/server*.err; do
    [[ -s $f ]] || continue
    echo "--- last lines of $(basename "$f") ---"
    tail -n 20 "$f" || true
  done
}

# start_server NAME: starts the server on an ephemeral port, waits (max 8 s)
# for its "listening" line and sets SERVER_PID and URL.
# shellcheck disable=SC2034  # URL and SERVER_PID are for the caller
start_server() {
  local name="$1" i line
  env "${SERVER_ENV[@]}" "$BIN" serve --host 127.0.0.1 --port 0 --data "$DATA" \
    --write-key "$WRITE_KEY" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  SERVER_PID=$!
  for ((i = 0; i < 80; i++)); do
    line="$(grep -m1 -E '^unisono listening on http://127\.0\.0\.1:[0-9]+$' "$WORK/$name.out" || true)"
    if [[ -n $line ]]; then
      URL="${line#unisono listening on }"
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      local status=0
      wait "$SERVER_PID" || status=$?
      SERVER_PID=""
      die "$name: server exited (status $status) before printing its listening line"
    fi
    sleep 0.1
  done
  die "$name: server did not print 'unisono listening on http://127.0.0.1:PORT' within 8 s"
}

# Runs SQL (stdin) against the store, read-only; prints the result.
sql() {
  timeout 10 sqlite3 -batch -bail -readonly -noheader -cmd '.timeout 5000' "$DATA/unisono.db"
}

# init_work: a scratch directory (WORK, with the data dir DATA) removed at exit, where
# the server (SERVER_PID) and a load client (LOAD_PID) are stopped too.
init_work() {
  WORK="$(mktemp -d)"
  DATA="$WORK/data"
  mkdir -p "$DATA"
  SERVER_ENV=()
  SERVER_PID=""
  LOAD_PID=""
  URL=""
  FAILS=0
  trap cleanup_work EXIT
  trap 'exit 130' INT TERM
}

# shellcheck disable=SC2317  # invoked via trap
cleanup_work() {
  local rc=$?
  trap - EXIT
  stop_pid "$LOAD_PID"
  stop_pid "$SERVER_PID"
  if [[ $rc -ne 0 || $FAILS -ne 0 ]]; then show_server_errors; fi
  rm -rf "$WORK"
  exit "$rc"
}

# track USER MESSAGE_ID: sends one track event; prints the HTTP status (000: no
# answer), the body lands in $WORK/body.
track() {
  curl -s --max-time 10 -o "$WORK/body" -w '%{http_code}' -u "$WRITE_KEY:" \
    -H 'Content-Type: application/json' \
    -d "{\"userId\":\"$1\",\"event\":\"Order Completed\",\"messageId\":\"$2\"}" \
    "$URL/v1/track" || echo "000"
}

# health: prints /healthz's HTTP status; the body lands in $WORK/health.
health() {
  curl -s --max-time 5 -o "$WORK/health" -w '%{http_code}' "$URL/healthz" || echo 000
}

# Waits (max 10 s) until /healthz shows nothing acknowledged is left to index (reads
# through the API wait for that themselves; these tests read the file directly).
wait_indexed() {
  local i
  for ((i = 0; i < 100; i++)); do
    health >/dev/null
    if grep -q '"queued_events":0,' "$WORK/health" && grep -q '"unindexed_events":0' "$WORK/health"; then
      return 0
    fi
    sleep 0.1
  done
  fail "indexing did not catch up within 10 s: $(cat "$WORK/health")"
}

# count_ids PREFIX: prints "acknowledged-present rows distinct" for the messageIds in
# $WORK/acked.txt and the events whose messageId starts with PREFIX.
count_ids() {
  sql <<SQL
CREATE TEMP TABLE acked(id TEXT PRIMARY KEY);
.import "$WORK/acked.txt" acked
SELECT (SELECT count(*) FROM acked WHERE id IN (SELECT message_id FROM events)) || ' ' ||
       (SELECT count(*) FROM events WHERE message_id LIKE '$1%') || ' ' ||
       (SELECT count(DISTINCT message_id) FROM events WHERE message_id LIKE '$1%');
SQL
}
