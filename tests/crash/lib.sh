# shellcheck shell=bash
# Helpers shared by the tests in tests/crash/ that drive the real server binary.
# The caller sets BIN, DATA, WORK, WRITE_KEY and FAILS=0, and may set SERVER_ENV (an
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
