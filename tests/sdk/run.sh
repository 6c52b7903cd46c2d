#!/usr/bin/env bash
# End-to-end test: the real Segment and RudderStack Node SDKs send to a freshly
# started unisono server; the unified profiles are then read back over HTTP.
#
# Usage: tests/sdk/run.sh path/to/unisono
# Needs: node (>= 20), npm (only when node_modules is missing), curl.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"

if [[ $# -lt 1 ]]; then
  echo "usage: $0 path/to/unisono" >&2
  exit 2
fi
BIN="$1"
if [[ ! -x $BIN ]]; then
  echo "FAIL: server binary '$BIN' not found or not executable" >&2
  exit 2
fi
for tool in node curl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "FAIL: '$tool' is required but not installed" >&2
    exit 2
  fi
done

WRITE_KEY="sdk-test-write-key"
RUN_ID="$(date +%s)-$$"
WORK="$(mktemp -d)"
DATA="$WORK/data"
mkdir -p "$DATA"
SERVER_PID=""
URL=""
FAILS=0

pass() { echo "PASS: $*"; }
fail() {
  echo "FAIL: $*"
  FAILS=$((FAILS + 1))
}

# shellcheck disable=SC2317  # called from the EXIT trap
stop_server() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    local i
    for ((i = 0; i < 50; i++)); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

# shellcheck disable=SC2317  # invoked via trap
cleanup() {
  local rc=$?
  trap - EXIT
  stop_server
  if [[ $rc -ne 0 && -s $WORK/server.err ]]; then
    echo "--- last lines of server stderr ---"
    tail -n 30 "$WORK/server.err" || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts the server and waits (max 10 s) for its "listening" line; sets URL.
start_server() {
  "$BIN" serve --host 127.0.0.1 --port 0 --data "$DATA" --write-key "$WRITE_KEY" \
    >"$WORK/server.out" 2>"$WORK/server.err" &
  SERVER_PID=$!
  local i line
  for ((i = 0; i < 100; i++)); do
    line="$(grep -m1 -E '^unisono listening on http://127\.0\.0\.1:[0-9]+$' "$WORK/server.out" || true)"
    if [[ -n $line ]]; then
      URL="${line#unisono listening on }"
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "FAIL: server exited before printing its listening line; stdout was:"
      cat "$WORK/server.out"
      SERVER_PID=""
      return 1
    fi
    sleep 0.1
  done
  echo "FAIL: server did not print 'unisono listening on http://127.0.0.1:PORT' within 10 s; stdout was:"
  cat "$WORK/server.out"
  return 1
}

# GET $URL/v1/profiles with one query parameter; body -> $3, prints HTTP status.
get_profile() {
  local code
  code="$(curl -sS --max-time 5 -G -o "$3" -w '%{http_code}' \
    --data-urlencode "$1=$2" "$URL/v1/profiles" 2>"$WORK/curl.err")" || true
  echo "${code:-000}"
}

# Field of a manifest JSON line.
field() {
  node -e 'const v = JSON.parse(process.argv[1]); process.stdout.write(String(v[process.argv[2]] ?? ""))' "$1" "$2"
}

# Checks one profile document against one manifest entry. Prints PASS/FAIL
# lines; exit status = number of failed checks (capped at 100).
# shellcheck disable=SC2016  # JavaScript source, not shell
CHECK_PROFILE_JS='
const fs = require("fs");
const [manifestLine, profileFile] = process.argv.slice(1);
const v = JSON.parse(manifestLine);
const tag = `[${v.sdk}]`;
let fails = 0;
const ok = (cond, msg, detail) => {
  if (cond) console.log(`PASS: ${tag} ${msg}`);
  else { fails++; console.log(`FAIL: ${tag} ${msg}${detail === undefined ? "" : " -- got " + detail}`); }
};
let p;
try { p = JSON.parse(fs.readFileSync(profileFile, "utf8")); }
catch (e) { console.log(`FAIL: ${tag} profile response is not JSON: ${e.message}`); process.exit(1); }
const show = (x) => JSON.stringify(x);
ok(typeof p.id === "string" && p.id.length > 0, "profile has an id", show(p.id));
const traits = p.traits || {};
ok(traits.email === v.email, `traits.email is ${v.email}`, show(traits.email));
ok(traits.name === v.name, `traits.name is ${v.name}`, show(traits.name));
const ids = Array.isArray(p.identifiers) ? p.identifiers : [];
const hasId = (type, value) => ids.some((i) => i && i.type === type && i.value === value);
ok(hasId("user_id", v.userId), `identifiers include user_id=${v.userId}`, show(ids));
ok(hasId("anonymous_id", v.anonymousId), `identifiers include anonymous_id=${v.anonymousId}`, show(ids));
ok(Number.isInteger(p.event_count) && p.event_count >= 3, "event_count >= 3 (page+track+identify)", show(p.event_count));
const tl = p.timeline || {};
const items = Array.isArray(tl.items) ? tl.items : [];
for (const kind of ["page", "track", "identify"]) {
  const mid = v.messageIds[kind];
  const hits = items.filter((it) => it && it.message_id === mid);
  ok(hits.length === 1, `timeline has the ${kind} exactly once (message_id ${mid})`,
     `${hits.length} matches; next_cursor=${show(tl.next_cursor)}; timeline message_ids=${show(items.map((it) => it && it.message_id))}`);
  if (hits.length !== 1) continue;
  const it = hits[0];
  ok(it.type === kind, `${kind} item has type "${kind}"`, show(it.type));
  if (kind === "track") {
    ok(it.event === v.event, `track item has event "${v.event}"`, show(it.event));
    ok(it.channel === v.channel, `track item has channel "${v.channel}" (from context.channel)`, show(it.channel));
  }
  ok(typeof it.timestamp === "string" && !Number.isNaN(Date.parse(it.timestamp)),
     `${kind} item has a parseable timestamp`, show(it.timestamp));
}
const cc = p.channel_counts || {};
ok(Number.isInteger(cc[v.channel]) && cc[v.channel] >= 1, `channel_counts.${v.channel} >= 1`, show(cc));
process.exit(Math.min(fails, 100));
'

# ---------------------------------------------------------------------------
# 1. node dependencies
if [[ ! -d $HERE/node_modules/@segment/analytics-node || ! -d $HERE/node_modules/@rudderstack/rudder-sdk-node ]]; then
  echo "installing SDK dependencies (npm ci)..."
  (cd "$HERE" && timeout 300 npm ci --no-audit --no-fund)
fi

# 2. server
start_server
pass "server is listening at $URL"

# 3. send through both SDKs
MANIFEST="$WORK/manifest.jsonl"
if timeout 45 node "$HERE/send.mjs" "$URL" "$WRITE_KEY" "$RUN_ID" >"$MANIFEST"; then
  pass "both SDKs delivered their events (server answered 2xx)"
else
  fail "send.mjs reported delivery errors (see above)"
fi
if [[ $(grep -c . "$MANIFEST" || true) -ne 2 ]]; then
  fail "send.mjs did not report both SDK runs; manifest:"
  cat "$MANIFEST"
  exit 1
fi

# 4. read the unified profiles back
declare -A PROFILE_ID=()
while IFS= read -r entry; do
  sdk="$(field "$entry" sdk)"
  user_id="$(field "$entry" userId)"
  anon_id="$(field "$entry" anonymousId)"
  email="$(field "$entry" email)"

  # The events were acknowledged, so they must be visible; allow a short grace
  # period (max ~2.5 s) in case profile resolution lags the ack, and say so.
  attempt=0
  while :; do
    attempt=$((attempt + 1))
    code="$(get_profile user_id "$user_id" "$WORK/profile-$sdk.json")"
    check_rc=1
    if [[ $code == 200 ]]; then
      check_rc=0
      node -e "$CHECK_PROFILE_JS" "$entry" "$WORK/profile-$sdk.json" >"$WORK/check-$sdk.txt" || check_rc=$?
    fi
    if [[ $check_rc -eq 0 || $code == 000 || $attempt -ge 6 ]]; then
      break
    fi
    sleep 0.5
  done
  if [[ $code != 200 ]]; then
    fail "[$sdk] GET /v1/profiles?user_id=$user_id returned HTTP $code (expected 200): $(head -c 500 "$WORK/profile-$sdk.json" 2>/dev/null || true) $(cat "$WORK/curl.err")"
    continue
  fi
  pass "[$sdk] GET /v1/profiles?user_id=$user_id returned 200"
  if [[ $attempt -gt 1 && $check_rc -eq 0 ]]; then
    echo "NOTE: [$sdk] profile was only complete after $attempt reads (~$(((attempt - 1) * 500)) ms after the 200 ack)"
  fi
  cat "$WORK/check-$sdk.txt"
  if [[ $check_rc -ne 0 ]]; then
    FAILS=$((FAILS + check_rc))
    echo "--- profile document for $sdk ---"
    head -c 4000 "$WORK/profile-$sdk.json"
    echo
  fi
  id="$(node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).id ?? ""))' "$WORK/profile-$sdk.json" 2>/dev/null || true)"
  PROFILE_ID[$sdk]="$id"

  # Merge: the anonymous id and the email must resolve to the very same profile.
  for lookup in "anonymous_id:$anon_id" "email:$email"; do
    key="${lookup%%:*}"
    value="${lookup#*:}"
    code="$(get_profile "$key" "$value" "$WORK/lookup.json")"
    if [[ $code != 200 ]]; then
      fail "[$sdk] GET /v1/profiles?$key=$value returned HTTP $code (expected 200): $(head -c 300 "$WORK/lookup.json" 2>/dev/null || true)"
      continue
    fi
    other="$(node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).id ?? ""))' "$WORK/lookup.json" 2>/dev/null || true)"
    if [[ -n $id && $other == "$id" ]]; then
      pass "[$sdk] ?$key=$value resolves to the same profile ($id)"
    else
      fail "[$sdk] ?$key=$value resolves to profile '$other', but ?user_id= gave '$id' (anonymous activity not merged)"
    fi
  done
done <"$MANIFEST"

if [[ -n ${PROFILE_ID[segment]:-} && -n ${PROFILE_ID[rudder]:-} ]]; then
  if [[ ${PROFILE_ID[segment]} != "${PROFILE_ID[rudder]}" ]]; then
    pass "the two SDK users are distinct profiles (${PROFILE_ID[segment]} vs ${PROFILE_ID[rudder]})"
  else
    fail "the Segment and RudderStack users were merged into one profile (${PROFILE_ID[segment]})"
  fi
fi

code="$(get_profile user_id "nobody-$RUN_ID" "$WORK/missing.json")"
if [[ $code == 404 ]]; then
  pass "unknown user_id gives 404"
else
  fail "GET /v1/profiles?user_id=nobody-$RUN_ID returned HTTP $code (expected 404)"
fi

# 5. graceful shutdown
kill -TERM "$SERVER_PID"
for ((i = 0; i < 100; i++)); do
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$SERVER_PID" 2>/dev/null; then
  fail "server still running 10 s after SIGTERM"
else
  status=0
  wait "$SERVER_PID" || status=$?
  SERVER_PID=""
  if [[ $status -eq 0 ]]; then
    pass "server exited 0 on SIGTERM"
  else
    fail "server exited with status $status on SIGTERM (expected 0)"
  fi
fi

echo
if [[ $FAILS -eq 0 ]]; then
  echo "PASS: tests/sdk ($RUN_ID): all checks passed"
  exit 0
fi
echo "FAIL: tests/sdk ($RUN_ID): $FAILS check(s) failed"
exit 1
