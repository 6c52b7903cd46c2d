#!/usr/bin/env bash
# The store's disk fills up while events are being acknowledged: acknowledged events
# are durable in the ingest log, so
#   1. the server stops accepting new ones (503 naming the store) and says so on
#      /healthz, keeps answering reads, and stops cleanly on SIGTERM;
#   2. after a restart with room on the disk, every acknowledged event is in the store
#      (indexed from the log), nothing refused is, and re-sent events are stored once.
#
# The full disk is injected with tests/crash/disk_faults.cc (LD_PRELOAD): while a
# trigger file exists, writes to unisono.db and its WAL fail with ENOSPC.
#
# Usage: tests/crash/store_failure.sh path/to/unisono path/to/libunisono_disk_faults.so
# Needs: curl, sqlite3 (CLI). Loopback traffic only; every wait is bounded.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=tests/crash/lib.sh
source "$HERE/lib.sh"
require_tools curl sqlite3 timeout
server_and_shim "$@"

WRITE_KEY="store-failure-write-key"
BEFORE=10 # events indexed before the disk fills
AFTER=10  # events sent once it is full
init_work
FULL="$WORK/disk-is-full"

# ---------------------------------------------------------------------------
# 1. events indexed normally, then the disk fills
SERVER_ENV=("LD_PRELOAD=$SHIM" "UNISONO_TEST_FAIL_STORE_WHEN=$FULL")
start_server server1
pass "server started at $URL"
: >"$WORK/acked.txt"
declare -A status
for ((n = 0; n < BEFORE; n++)); do
  status[$n]="$(track store-user "store-$n")"
  [[ ${status[$n]} == 200 ]] && echo "store-$n" >>"$WORK/acked.txt"
done
wait_indexed
touch "$FULL"
echo "the store's disk is full now"

# The first event after that is logged and acknowledged; indexing it fails.
n=$BEFORE
status[$n]="$(track store-user "store-$n")"
if [[ ${status[$n]} == 200 ]]; then
  echo "store-$n" >>"$WORK/acked.txt"
  pass "an event sent after the disk filled is still acknowledged (it is in the ingest log)"
else
  fail "the first event after the disk filled got HTTP ${status[$n]}: $(head -c 200 "$WORK/body")"
fi
degraded=0
for ((i = 0; i < 50; i++)); do
  if [[ $(health) == 503 ]]; then
    degraded=1
    break
  fi
  sleep 0.1
done
if ((degraded)) && grep -q '"degraded"' "$WORK/health" && grep -q 'store refused' "$WORK/health"; then
  pass "/healthz answers 503 degraded: $(cat "$WORK/health")"
else
  fail "/healthz should turn 503 degraded naming the store within 5 s: $(cat "$WORK/health")"
fi
if grep -q '"unindexed_events":1[,}]' "$WORK/health"; then
  pass "the acknowledged event the store refused is counted as unindexed"
else
  fail "/healthz should count the refused acknowledged event as unindexed: $(cat "$WORK/health")"
fi
refused=0
for ((n = BEFORE + 1; n < BEFORE + AFTER; n++)); do
  status[$n]="$(track store-user "store-$n")"
  if [[ ${status[$n]} == 200 ]]; then
    echo "store-$n" >>"$WORK/acked.txt"
  elif [[ ${status[$n]} == 503 ]] && grep -q 'ingest is stopped' "$WORK/body"; then
    refused=$((refused + 1))
    cp "$WORK/body" "$WORK/refused_body"
  fi
done
if ((refused == AFTER - 1)); then
  pass "every later event got 503: $(head -c 200 "$WORK/refused_body")"
else
  fail "expected $((AFTER - 1)) later events refused with 503 'ingest is stopped', got $refused"
fi
read_code="$(curl -s --max-time 10 -o "$WORK/profile" -w '%{http_code}' "$URL/v1/profiles?user_id=store-user" || echo 000)"
if [[ $read_code == 200 ]]; then
  pass "reads still answer: GET /v1/profiles?user_id=store-user returned 200"
else
  fail "GET /v1/profiles?user_id=store-user returned $read_code: $(head -c 300 "$WORK/profile")"
fi
kill -TERM "$SERVER_PID"
if wait_gone "$SERVER_PID" 100; then
  pass "the server stopped on SIGTERM"
else
  fail "the server did not stop within 10 s of SIGTERM"
fi
stop_pid "$SERVER_PID"
SERVER_PID=""

# ---------------------------------------------------------------------------
# 2. room on the disk again: restart, and what was acknowledged is all there
rm -f "$FULL"
SERVER_ENV=()
start_server server2
pass "server restarted on the same data dir at $URL"
wait_indexed
acked="$(wc -l <"$WORK/acked.txt")"
read -r present rows _ <<<"$(count_ids store-)"
if ((present == acked && rows == acked)); then
  pass "the $acked acknowledged events are in the store after the restart, and nothing else"
else
  fail "after the restart: $present of $acked acknowledged events present, $rows rows in all"
fi
grep -h -o 'indexed [0-9]* events from the ingest log' "$WORK"/server2.* || true

for ((n = 0; n < BEFORE + AFTER; n++)); do
  [[ ${status[$n]} == 200 ]] && continue
  code="$(track store-user "store-$n")"
  [[ $code == 200 ]] || fail "re-sending event $n got HTTP $code: $(head -c 200 "$WORK/body")"
done
wait_indexed
read -r _ rows distinct <<<"$(count_ids store-)"
if ((rows == BEFORE + AFTER && distinct == rows)); then
  pass "after re-sending the refused events each of the $rows messageIds is stored once"
else
  fail "expected $((BEFORE + AFTER)) rows with distinct messageIds, got $rows rows, $distinct distinct"
fi

if ((FAILS > 0)); then
  echo "$FAILS check(s) failed"
  exit 1
fi
echo "all checks passed"
