#!/usr/bin/env bash
# The unisono command from the outside: help, serve (generated write key, kept across
# restarts, SIGTERM), CSV import over HTTP and offline, the profile view, demo data,
# and the precedence flags > environment > config file.
set -euo pipefail
BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/unisono-cli.XXXXXX")"
SERVER_PID=""
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill -9 "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"

pass=0
fail=0
check() {  # check "what" command...
  local what="$1"; shift
  if "$@"; then pass=$((pass + 1)); echo "ok   - $what"; else fail=$((fail + 1)); echo "FAIL - $what"; fi
}
contains() { grep -q -- "$2" <<<"$1"; }
lacks() { ! grep -q -- "$2" "$1"; }
json_parses() { /usr/bin/python3 -c 'import json, sys; json.loads(sys.argv[1])' "$1"; }

start_server() {  # start_server DATA [flags...]; sets PORT, SERVER_PID, SERVER_OUT
  local data="$1"; shift
  SERVER_OUT="$WORK/server-$RANDOM.out"
  "$BIN" serve --data "$data" --port 0 "$@" >"$SERVER_OUT" 2>"$SERVER_OUT.err" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    if grep -q "unisono listening on" "$SERVER_OUT" 2>/dev/null; then break; fi
    sleep 0.1
  done
  PORT=$(sed -n 's/^unisono listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$SERVER_OUT")
  [[ -n "$PORT" ]] || { echo "server did not start:"; cat "$SERVER_OUT" "$SERVER_OUT.err"; exit 1; }
}
stop_server() {
  kill -TERM "$SERVER_PID"
  local rc=0
  wait "$SERVER_PID" || rc=$?
  SERVER_PID=""
  return "$rc"
}
post() {  # post KEY PATH BODY -> prints "STATUS BODY"
  curl -s -o "$WORK/body" -w '%{http_code}' -u "$1:" -H 'Content-Type: application/json' \
    --data-binary "$3" "http://127.0.0.1:$PORT$2"
  echo " $(cat "$WORK/body")"
}

# --- help and version
check "version prints the version" contains "$("$BIN" version)" "unisono 0."
for sub in serve import profile demo segment content apply version; do
  check "$sub --help explains itself" contains "$("$BIN" "$sub" --help)" "Usage"
done
out=$("$BIN" frobnicate 2>&1 || true)
check "an unknown command is named" contains "$out" "unknown command 'frobnicate'"

# --- serve creates a write key on first start and keeps it
start_server "$WORK/data"
KEY=$(sed -n 's/^created write key \([a-z0-9_]*\) .*/\1/p' "$SERVER_OUT")
check "first start creates and prints a write key" test -n "$KEY"
check "track with the key is acknowledged" contains "$(post "$KEY" /v1/track \
  '{"userId":"u1","event":"Email Opened","context":{"channel":"email"}}')" "^200"
check "a wrong key gets 401" contains "$(post nope /v1/track '{"userId":"u1","event":"x"}')" "^401"
printf 'email,date\nx@clinic.example,2026-05-01\n' >"$WORK/one.csv"
out=$("$BIN" import "$WORK/one.csv" --kind visits --data "$WORK/data" 2>&1 || true)
check "import refuses a data dir a server is using" contains "$out" "another unisono process"

cat >"$WORK/visits.csv" <<'CSV'
email,date,rep,product,notes
Ana.Garcia@Clinic.example,2026-05-04 10:30,rep-07,cardiozen,"samples, brochure"
bob@clinic.example,2026-05-05T09:00:00Z,rep-07,glucobal,
CSV
code=$(curl -s -o "$WORK/body" -w '%{http_code}' -X POST --data-binary @"$WORK/visits.csv" \
  "http://127.0.0.1:$PORT/v1/import/csv?kind=visits&name=visits.csv")
check "POST /v1/import/csv stores the visits" test "$code" = 200
check "the import reports its rows" contains "$(cat "$WORK/body")" '"rows":2'
profile=$(curl -s "http://127.0.0.1:$PORT/v1/profiles?email=ana.garcia%40clinic.example")
check "the visit is on the profile" contains "$profile" '"rep_visit":1'
# Garbage on the socket, a request cut off midway, a huge header: the server answers
# or closes those connections and goes on serving everyone else.
garbage() {
  exec 3<>"/dev/tcp/127.0.0.1/$PORT"
  # The server may close before we finish writing: that is an answer, not a failure.
  (trap '' PIPE; printf '%s' "$1" >&3) 2>/dev/null || true
  timeout 2 cat <&3 >/dev/null || true
  exec 3>&-
}
garbage $'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n'
garbage $'POST /v1/track HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"userId":'
garbage "GET /healthz HTTP/1.1"$'\r\n'"X-Big: $(head -c 40000 /dev/zero | tr '\0' a)"$'\r\n\r\n'
check "the server keeps serving after malformed connections" \
  test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")" = 200
check "SIGTERM stops the server cleanly" stop_server
check "the server says it stopped cleanly" grep -q "stopped cleanly" "$SERVER_OUT.err"

start_server "$WORK/data"
check "a restart keeps the write key" contains "$(post "$KEY" /v1/track '{"userId":"u1","event":"x"}')" "^200"
check "no new key is created on restart" lacks "$SERVER_OUT" "created write key"
stop_server

# --- structured logs stay valid JSON whatever the message holds
start_server "$WORK/quote\"dir" --log-format json
stop_server
check "json logs parse line by line, quotes included" node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n");
  if (!lines.some((l) => JSON.parse(l).message.includes("quote\"dir"))) process.exit(1);
' "$SERVER_OUT.err"

# --- custom identifiers from the config file
cat >"$WORK/ids.toml" <<'TOML'
[[identifier]]
type = "npi"
priority = 2
limit = 1
TOML
start_server "$WORK/data" --config "$WORK/ids.toml"
post "$KEY" /v1/identify '{"anonymousId":"tab-1","traits":{"npi":" 1234567890 "}}' >/dev/null
post "$KEY" /v1/track '{"userId":"dr-x","event":"Signed In","context":{"traits":{"npi":"1234567890"}}}' >/dev/null
found=$(curl -s "http://127.0.0.1:$PORT/v1/profiles?npi=1234567890")
check "a custom identifier from the config file resolves profiles" contains "$found" '"type":"npi"'
check "it stitches the anonymous visit and the signed-in user" contains "$found" '"event_count":2'
stop_server

# --- offline import: all or nothing, with the line of the bad row
cat >"$WORK/bad.csv" <<'CSV'
email,date,rep
carla@clinic.example,2026-05-06,rep-02
dan@clinic.example,2026-13-06,rep-02
CSV
out=$("$BIN" import "$WORK/bad.csv" --kind visits --data "$WORK/data" 2>&1 || true)
check "a bad row rejects the file naming its line" contains "$out" "line 3"
out=$("$BIN" profile --email carla@clinic.example --data "$WORK/data" 2>&1 || true)
check "nothing of the rejected file was stored" contains "$out" "no profile has email"
out=$("$BIN" import "$WORK/bad.csv" --kind visits --map timestamp=nope --data "$WORK/data" 2>&1 || true)
check "mapping to a missing column is explained" contains "$out" "nope"
cat >"$WORK/calls.csv" <<'CSV'
Correo,Fecha,Canal
carla@clinic.example,2026-05-06,call center
CSV
out=$("$BIN" import "$WORK/calls.csv" --kind events --map email=Correo --map timestamp=Fecha \
  --map channel=Canal --data "$WORK/data" 2>&1 || true)
check "events need an event column" contains "$out" "event"
printf 'Correo,Fecha,Canal,Actividad\ncarla@clinic.example,2026-05-06,call center,Call Completed\n' >"$WORK/calls.csv"
out=$("$BIN" import "$WORK/calls.csv" --kind events --map email=Correo --map timestamp=Fecha \
  --map channel=Canal --map event=Actividad --data "$WORK/data" --format csv)
check "import prints a summary" contains "$out" "calls.csv,events,1,1,0"

# --- the profile view beside a running server leaves the server's ingest log alone
start_server "$WORK/beside" --write-key k
post k /v1/identify '{"userId":"u-beside","traits":{"email":"beside@clinic.example"}}' >/dev/null
for _ in $(seq 1 50); do  # the file is read directly: wait until the event is indexed
  curl -s "http://127.0.0.1:$PORT/healthz" | grep -q '"unindexed_events":0' && break
  sleep 0.1
done
out=$("$BIN" profile --email beside@clinic.example --data "$WORK/beside" 2>&1 || true)
check "profile reads beside a running server" contains "$out" "u-beside"
check "... without touching its ingest log" test -f "$WORK/beside/ingest-log/00000000000000000001.log"
post k /v1/track '{"userId":"u-beside","event":"Page Read"}' >/dev/null
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
start_server "$WORK/beside" --write-key k
check "... whose events all survive a crash after it" contains \
  "$(curl -s "http://127.0.0.1:$PORT/v1/profiles?email=beside%40clinic.example")" "Page Read"
stop_server

# --- the ingest log on a directory of its own stays where the store's writers found it
start_server "$WORK/split" --write-key k --ingest-log "$WORK/own-disk/log"
post k /v1/track '{"userId":"u-split","event":"Logged Elsewhere"}' >/dev/null
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
check "--ingest-log puts the log there" test -f "$WORK/own-disk/log/00000000000000000001.log"
check "... and not under the data directory" test ! -e "$WORK/split/ingest-log"
out=$(timeout 20 "$BIN" serve --data "$WORK/split" --port 0 --write-key k 2>&1 || true)
check "a writer pointed elsewhere is refused, naming the log's place" contains "$out" "$WORK/own-disk/log"
check "... and how to move it" contains "$out" "mv $WORK/own-disk/log"
mv "$WORK/own-disk/log" "$WORK/split/ingest-log"
start_server "$WORK/split" --write-key k
check "after the move the default place serves, and the event is there" contains \
  "$(curl -s "http://127.0.0.1:$PORT/v1/profiles?user_id=u-split")" "Logged Elsewhere"
stop_server

# --- the profile view
out=$("$BIN" profile --email ANA.GARCIA@clinic.example --data "$WORK/data")
check "profile --email shows the unified profile" contains "$out" "rep_visit"
json=$("$BIN" profile --email carla@clinic.example --data "$WORK/data" --format json)
check "profile --format json is JSON with the call" \
  node -e 'const p=JSON.parse(process.argv[1]); if(p.channel_counts.call_center!==1) process.exit(1)' "$json"
out=$("$BIN" profile --data "$WORK/data" 2>&1 || true)
check "profile without an identifier says how to ask" contains "$out" "--email"

# --- delivery connectors from the config file, the provider's request shape included
cat >"$WORK/delivery.toml" <<'TOML'
[delivery]
sms_provider = "http://127.0.0.1:9/sms"
sms_format = "json"
sms_id_field = "/data/id"
[delivery.sms_fields]
to = "{{to}}"
text = "{{body}}"
TOML
start_server "$WORK/delivery-data" --config "$WORK/delivery.toml"
connectors=$(curl -s "http://127.0.0.1:$PORT/v1/delivery/connectors")
check "an SMS provider from the config file is configured" contains "$connectors" '"name":"sms","configured":true'
stop_server
printf '[delivery]\nsms_provider = "http://127.0.0.1:9/sms"\nsms_format = "xml"\n' >"$WORK/bad-format.toml"
out=$(timeout 30 "$BIN" serve --data "$WORK/bad-delivery" --port 0 --config "$WORK/bad-format.toml" 2>&1 || true)
check "a bad provider request format stops serve naming the option" contains "$out" "sms.body_format"
printf '[delivery]\n[delivery.sms_fields]\nBody = 3\n' >"$WORK/bad-fields.toml"
out=$(timeout 30 "$BIN" serve --data "$WORK/bad-delivery" --port 0 --config "$WORK/bad-fields.toml" 2>&1 || true)
check "a provider field that is not a template is named" contains "$out" "\[delivery.sms_fields\] Body must be a string"

# --- precedence: flags > UNISONO_* > config file
printf 'data = "%s/from-config"\n' "$WORK" >"$WORK/unisono.toml"
out=$("$BIN" profile --email a@b.co --config "$WORK/unisono.toml" 2>&1 || true)
check "the config file applies" contains "$out" "from-config"
out=$(UNISONO_DATA="$WORK/from-env" "$BIN" profile --email a@b.co --config "$WORK/unisono.toml" 2>&1 || true)
check "environment beats the config file" contains "$out" "from-env"
out=$(UNISONO_DATA="$WORK/from-env" "$BIN" profile --email a@b.co --config "$WORK/unisono.toml" \
  --data "$WORK/from-flag" 2>&1 || true)
check "a flag beats the environment" contains "$out" "from-flag"
printf 'colour = "blue"\n' >"$WORK/bad.toml"
out=$("$BIN" profile --email a@b.co --config "$WORK/bad.toml" 2>&1 || true)
check "unknown config keys are named" contains "$out" "unknown key 'colour'"

# --- demo data: deterministic, loaded once
"$BIN" demo --profiles 40 --seed 7 --data "$WORK/demo1" --format csv >"$WORK/demo1.out"
"$BIN" demo --profiles 40 --seed 7 --data "$WORK/demo2" --format csv >"$WORK/demo2.out"
check "the demo loads events" test "$(tail -1 "$WORK/demo1.out" | cut -d, -f3 | tr -d '"')" != 0
sum() { sqlite3 "$1/unisono.db" "select count(*), sum(coalesce(value_minor,0)), group_concat(message_id) from (select * from events order by message_id)" | md5sum; }
check "the same seed gives the same data" test "$(sum "$WORK/demo1")" = "$(sum "$WORK/demo2")"
out=$("$BIN" demo --profiles 40 --seed 7 --data "$WORK/demo1" --if-empty)
check "--if-empty leaves a loaded store alone" contains "$out" "already has events"
# A store whose only events are still in the ingest log (its server stopped before
# indexing them) is not empty either: --if-empty indexes them and loads nothing.
start_server "$WORK/logged" --write-key k
post k /v1/track '{"userId":"u-logged","event":"Signed Up","messageId":"logged-1"}' >/dev/null
stop_server
mkdir -p "$WORK/log-only" && cp -r "$WORK/logged/ingest-log" "$WORK/log-only/"
out=$("$BIN" demo --profiles 40 --seed 7 --data "$WORK/log-only" --if-empty)
check "--if-empty counts events still in the ingest log" contains "$out" "already has events"
check "... and indexes them instead of the demo" test \
  "$(sqlite3 "$WORK/log-only/unisono.db" "select group_concat(message_id) from events")" = logged-1

# --- attribution over a path file
printf 'path,total_conversions,total_conversion_value,total_null\na > c,1,10,1\nb > c,1,20,0\na,0,0,1\n' >"$WORK/paths.csv"
out=$("$BIN" attribution --paths "$WORK/paths.csv" --model markov --format csv)
# P(conv) = 1/2; removal effects a 2/3, b 1/3, c 1 (sum 2): a gets 2 * (2/3) / 2 conversions.
check "markov attribution prints hand-computed rows" contains "$out" "^markov,a,0.666667,10.000000$"
check "attribution csv has the documented header" test "$(head -1 <<<"$out")" = "model,channel,conversions,value"
out=$("$BIN" attribution --paths "$WORK/paths.csv" --model shapley --shapley-value conversion_rate --format csv)
check "shapley by conversion rate prints hand-computed rows" contains "$out" "^shapley,c,1.000000,15.000000$"
out=$("$BIN" attribution --paths "$WORK/paths.csv" --ordered --format csv)
check "ordered shapley credits c at position 2" contains "$out" "^c,2,1.000000,15.000000$"
out=$("$BIN" attribution --paths "$WORK/paths.csv" --transitions --format csv)
check "the markov transition matrix is printed on request" contains "$out" "^a,c,0.666667$"
out=$("$BIN" attribution --paths "$WORK/paths.csv" --model time_decay --half-life 0 2>&1 || true)
check "a zero half-life is refused" contains "$out" "half-life"
out=$("$BIN" attribution --paths "$WORK/paths.csv" --format csv)
check "--model all prints one row per model and channel" test "$(tail -n +2 <<<"$out" | wc -l)" = 24
printf 'path,total_conversions,total_conversion_value,total_null\na > b,1,1,0\na,-3,0,1\n' >"$WORK/bad-paths.csv"
rc=0; out=$("$BIN" attribution --paths "$WORK/bad-paths.csv" 2>&1) || rc=$?
check "a bad path file names the line and exits 2" test "$rc" = 2 -a -n "$(grep 'line 3: total_conversions is negative' <<<"$out")"

# --- conversion paths from the store
"$BIN" report paths --data "$WORK/demo1" --format csv >"$WORK/paths.csv"
check "report paths writes a path file" contains "$(head -1 "$WORK/paths.csv")" \
  "path,total_conversions,total_conversion_value,total_null"
in_paths=$(awk -F, 'NR > 1 {s += $(NF-2)} END {print s}' "$WORK/paths.csv")
left_out=$("$BIN" report paths --data "$WORK/demo1" | sed -n 's/.*conversions (\([0-9,]*\) with no touch.*/\1/p' | tr -d ,)
stored=$(sqlite3 "$WORK/demo1/unisono.db" \
  "select count(*) from events where name in ('Prescription Written','Order Completed')")
check "every stored conversion is on a path or counted as left out" \
  test "$((in_paths + left_out))" = "$stored"
out=$("$BIN" report paths --data "$WORK/demo1" --granularity region 2>&1 || true)
check "an unknown granularity is explained" contains "$out" "channel, campaign"
out=$("$BIN" attribution --paths "$WORK/paths.csv" --model last --format csv)
check "the store's paths feed attribution" contains "$out" "last,rep_visit,"
direct=$("$BIN" attribution --data "$WORK/demo1" --model last --format csv)
check "attribution on the store equals attribution on its path file" test "$direct" = "$out"
scores=$("$BIN" attribution --data "$WORK/demo1" --against-demo-truth --format csv)
check "every model is scored against the demo truth" test "$(tail -n +2 <<<"$scores" | wc -l)" = 9
out=$("$BIN" report incremental --data "$WORK/demo1" --bootstrap 3 --format csv)
check "report incremental has the documented header" test "$(head -1 <<<"$out")" = "channel,weight,incremental,low_95,high_95,attributed,attributed_value"
check "report incremental credits rep visits" contains "$out" "^rep_visit,0\.[0-9]"
out=$("$BIN" report incremental --data "$WORK/demo1" --period 0d 2>&1 || true)
check "a zero period is refused" contains "$out" "must be positive"

# --- ROI, KPIs and journey analytics over the demo store
out=$("$BIN" report roi --data "$WORK/demo1" --by channel --model last --format csv)
check "report roi has the documented header" test "$(head -1 <<<"$out")" = "channel,contacts,cost,unallocated_cost,conversions,value,cost_per_conversion,roi"
check "report roi costs rep visits" contains "$out" "^rep_visit,[0-9][0-9]*,[0-9]"
out=$("$BIN" report roi --data "$WORK/demo1" --by planet 2>&1 || true)
check "report roi refuses an unknown dimension" contains "$out" "planet"
out=$("$BIN" report kpis --data "$WORK/demo1" --format csv)
check "report kpis lists reach and closes per channel" contains "$out" "^channel,declared_role,reach,contacts"
out=$("$BIN" report funnel --data "$WORK/demo1" --format csv)
check "report funnel lists the five stages" test "$(tail -n +2 <<<"$out" | cut -d, -f1 | tr '\n' ' ')" = "search plan purchase keep_in_touch share "
out=$("$BIN" report transitions --data "$WORK/demo1" --format csv)
check "report transitions starts journeys at (start)" contains "$out" "^(start),"
out=$("$BIN" report leaks --data "$WORK/demo1" --format csv)
check "report leaks has switch rows" contains "$out" "^from,to,switched,leaked"
out=$("$BIN" report journeys --data "$WORK/demo1" --format csv)
check "report journeys lists converting paths" contains "$out" "^path,conversions,nulls,value,conversion_rate"
out=$("$BIN" report customers --data "$WORK/demo1" --format csv)
check "report customers ranks profiles by value" contains "$out" "^p_[0-9][0-9]*,hcp-"

# --- report filters: --segment, --product, --campaign on every report
out=$("$BIN" report transitions --data "$WORK/demo1" --granularity campaign \
  --campaign cardiozen-launch --format csv)
check "--campaign keeps only that campaign's touches" test "$(tail -n +2 <<<"$out" | cut -d, -f1,2 |
  tr ',' '\n' | grep -v -x -e '(start)' -e '(conversion)' -e '(null)' | sort -u)" = cardiozen-launch
out=$("$BIN" report roi --data "$WORK/demo1" --by campaign --campaign cardiozen-launch --format csv)
check "report roi --campaign has that campaign's row only" \
  test "$(tail -n +2 <<<"$out" | cut -d, -f1 | sort -u)" = cardiozen-launch
out=$("$BIN" report customers --data "$WORK/demo1" --campaign cardiozen-launch)
check "a filtered table names the filter and what it left out" contains "$out" \
  "^filter: campaign cardiozen-launch; [0-9,]* journeys left out$"
all=$("$BIN" report kpis --data "$WORK/demo1" --format json | node -e '
  let s = 0; for (const r of JSON.parse(require("fs").readFileSync(0))) s += +r.contacts; console.log(s)')
few=$("$BIN" report kpis --data "$WORK/demo1" --campaign cardiozen-launch --format json | node -e '
  let s = 0; for (const r of JSON.parse(require("fs").readFileSync(0))) s += +r.contacts; console.log(s)')
check "report kpis --campaign counts fewer contacts" test "$few" -gt 0 -a "$few" -lt "$all"

# --- engagement quadrants
out=$("$BIN" report quadrants --data "$WORK/demo1")
check "report quadrants prints the four quadrants" \
  test "$(grep -c -E '^(omnichannel|digital|personal|disengaged) ' <<<"$out")" = 4
check "report quadrants lists the top customers" contains "$out" "^Top customers by value"
out=$("$BIN" report quadrants --data "$WORK/demo1" --format csv)
check "report quadrants csv has the documented header" test "$(head -1 <<<"$out")" = \
  "quadrant,customers,share,online_engagements,offline_engagements,online_contacts,offline_contacts,online_cost,offline_cost,converting_customers,conversion_rate,conversions,value,value_per_customer"
in_quadrants=$(awk -F, 'NR > 1 {s += $2} END {print s}' <<<"$out")
listed=$("$BIN" report quadrants --data "$WORK/demo1" --format csv --table customers | tail -n +2 | wc -l)
check "every customer is in one quadrant" test "$in_quadrants" = "$listed"
out=$("$BIN" report quadrants --data "$WORK/demo1" --quadrant digital --limit 2 --format csv --table customers)
check "--quadrant and --limit narrow the customer list" \
  test "$(tail -n +2 <<<"$out" | cut -d, -f11 | tr '\n' ' ')" = "digital digital "
rc=0; out=$("$BIN" report quadrants --data "$WORK/demo1" --quadrant hybrid 2>&1) || rc=$?
check "an unknown quadrant is named and exits 2" test "$rc" = 2 -a -n "$(grep -e '--quadrant' <<<"$out")"
rc=0; out=$("$BIN" report quadrants --data "$WORK/demo1" --offline-threshold -2 2>&1) || rc=$?
check "a negative threshold is refused" test "$rc" = 2 -a -n "$(grep -e '--offline-threshold' <<<"$out")"
check "scores are a correlation and a share error" node -e '
  const rows = process.argv[1].trim().split("\n").slice(1).map((l) => l.split(","));
  for (const [, rho, err] of rows) {
    if (!(Math.abs(+rho) <= 1 && +err >= 0 && +err <= 1)) process.exit(1);
  }' "$scores"
out=$("$BIN" attribution --data "$WORK/data" --against-demo-truth 2>&1 || true)
check "a store without a demo population has no truth to compare with" contains "$out" "no demo population"

# --- segments through a running server: segment create|list|preview|members|add|delete, apply
"$BIN" demo --profiles 40 --seed 7 --data "$WORK/segments" >/dev/null
start_server "$WORK/segments"
export UNISONO_SERVER="http://127.0.0.1:$PORT"
out=$("$BIN" segment create "Low potential" --definition 'trait( potential )="low"' \
  --description "many, small")
check "segment create prints the id" contains "$out" "^id *seg_"
check "segment create prints the canonical definition" contains "$out" \
  '^definition *trait(potential) = "low"$'
members=$(sed -n 's/^members *\([0-9,]*\)$/\1/p' <<<"$out" | tr -d ,)
check "segment create prints its members" test "${members:-0}" -gt 0
out=$("$BIN" segment list)
check "segment list shows it in a table" contains "$out" "seg_1 *Low potential *rule *1 *$members"
out=$("$BIN" segment list --format csv --server "$UNISONO_SERVER")
check "segment list --format csv has the documented header" \
  test "$(head -1 <<<"$out")" = "id,name,kind,version,members,definition"
out=$("$BIN" segment preview --definition 'trait(potential) = "low"' --sample 3)
check "segment preview prints the count" contains "$out" "^$members of 40 profiles match"
check "segment preview prints sample ids" contains "$out" "^sample *p_[0-9]* p_[0-9]* p_[0-9]*$"
out=$("$BIN" segment members "Low potential")
check "segment members by name prints ids" contains "$out" "^p_[0-9]"
check "segment members counts them" contains "$out" "($members of $members members)"
out=$("$BIN" segment members seg_1 --format csv)
check "segment members --format csv is a profile_id column" \
  test "$(head -1 <<<"$out"),$(tail -n +2 <<<"$out" | grep -c '^p_[0-9]*$')" = "profile_id,$members"
out=$("$BIN" segment members seg_1 --limit 2 --format csv)
check "segment members --limit stops there" test "$(tail -n +2 <<<"$out" | wc -l)" = 2
rc=0; out=$("$BIN" segment create Broken --definition 'trait(potential) >= and' 2>&1) || rc=$?
check "a bad definition prints the column and exits non-zero" \
  test "$rc" != 0 -a -n "$(grep 'unisono segment: column 21: .*(field definition)' <<<"$out")"
"$BIN" segment create "Met at congress" --manual >/dev/null
out=$("$BIN" segment add "Met at congress" --profile p_1 --profile p_2 --actor ana --reason congress)
check "segment add puts profiles on a manual list" contains "$out" "added 2 .*it has 2 members"
out=$("$BIN" segment remove "Met at congress" --profile p_2 --profile p_3 --actor ana)
check "segment remove takes them off" contains "$out" "removed 1 .*it has 1 members"
out=$("$BIN" segment delete "Met at congress")
check "segment delete by name" contains "$out" "deleted segment"
rc=0; out=$("$BIN" segment members "Met at congress" 2>&1) || rc=$?
check "a deleted segment is gone" test "$rc" = 1 -a -n "$(grep "no segment 'Met at congress'" <<<"$out")"

cat >"$WORK/segments.yaml" <<'YAML'
computed_traits:
  - name: orders_90d
    description: orders in the last 90 days
    definition: count(track "Order Completed" within 90d)
segments:
  - name: High potential
    description: first call list
    definition: trait(potential) = "high"
  - name: High potential, no recent order
    definition:
      and:
        - {segment: High potential}
        - {computed: orders_90d, op: "=", value: 0}
YAML
out=$("$BIN" apply -f "$WORK/segments.yaml")
check "apply creates the computed trait and both segments" \
  test "$(grep -c ' created' <<<"$out")" = 3
check "apply applies computed traits first" contains "$(head -1 <<<"$out")" "computed trait orders_90d created"
out=$("$BIN" apply -f "$WORK/segments.yaml")
check "a second apply changes nothing" test "$(grep -c ' unchanged' <<<"$out")" = 3
check "apply is idempotent by name" test "$("$BIN" segment list --format csv | grep -c '^seg_')" = 3
sed -i 's/first call list/the first call list/' "$WORK/segments.yaml"
out=$("$BIN" apply -f "$WORK/segments.yaml")
check "an edited item is updated" contains "$out" 'segment "High potential" updated'
rc=0; "$BIN" apply -f "$ROOT/examples/segments.yaml" >"$WORK/apply.out" || rc=$?
check "the example file applies" test "$rc" = 0
printf 'segments:\n  - name: X\n    definition: trait(a) = 1\n    colour: blue\n' >"$WORK/bad.yaml"
rc=0; out=$("$BIN" apply -f "$WORK/bad.yaml" 2>&1) || rc=$?
check "apply names an unknown key with file:line" \
  test "$rc" != 0 -a -n "$(grep "bad.yaml:4: unknown key 'colour'" <<<"$out")"
printf 'segments:\n  - name: Y\n    definition: "trait(a) >= and"\n' >"$WORK/bad.yaml"
rc=0; out=$("$BIN" apply -f "$WORK/bad.yaml" 2>&1) || rc=$?
check "apply reports a bad definition with its column" \
  test "$rc" != 0 -a -n "$(grep 'bad.yaml:2: segment "Y": column 13' <<<"$out")"
# content in YAML, matched by id: every example item passes the one-voice check; the
# example journeys send them
out=$("$BIN" apply -f "$ROOT/examples/content.yaml")
check "apply creates the example content with no problems" \
  test "$(grep -c '^content .* created (version 1, draft)$' <<<"$out")" = 4 -a \
  "$(wc -l <<<"$out")" = 4
out=$("$BIN" apply -f "$ROOT/examples/content.yaml")
check "a second apply leaves the content alone" \
  test "$(grep -c '^content .* unchanged (version 1, draft)$' <<<"$out")" = 4
sed 's/claim: lowers blood pressure in 4 weeks/claim: lowers blood pressure in 3 weeks/' \
  "$ROOT/examples/content.yaml" >"$WORK/content.yaml"
out=$("$BIN" apply -f "$WORK/content.yaml")
check "an edited content item becomes a new draft version" contains "$out" \
  '^content cardiozen-launch new version (version 2, draft)$'
check "apply lists the one-voice check's problems" contains "$out" \
  "^  problem: /renditions/sms: misses the claim 'lowers blood pressure in 3 weeks'"
printf 'content:\n  - id: x\n    name: X\n    renditions: {sms: {txt: hi}}\n' >"$WORK/bad.yaml"
rc=0; out=$("$BIN" apply -f "$WORK/bad.yaml" 2>&1) || rc=$?
check "apply reports a bad content item with its JSON pointer" \
  test "$rc" != 0 -a -n "$(grep 'bad.yaml:2: content x: /renditions/sms/txt: unknown field' <<<"$out")"
# content review from the command line: the example again makes a version with no problems
"$BIN" apply -f "$ROOT/examples/content.yaml" >/dev/null
out=$("$BIN" content list)
check "content list shows the item as a draft" contains "$out" '^cardiozen-launch .* draft '
check "content list --format csv has the columns" contains "$("$BIN" content list --format csv)" \
  '^id,name,state,version,approved_version,channels,problems$'
check "content list --format json parses" json_parses "$("$BIN" content list --format json)"
out=$("$BIN" content submit cardiozen-launch --by marta)
check "content submit prints the version and who" contains "$out" \
  '^content cardiozen-launch v3: submitted for review by marta$'
rc=0; out=$("$BIN" content approve cardiozen-launch --by marta 2>&1) || rc=$?
check "who submitted may not approve (four eyes)" \
  test "$rc" = 1 -a -n "$(grep '^unisono content: .*someone else must approve' <<<"$out")"
check "content approve by another person" contains \
  "$("$BIN" content approve cardiozen-launch --by luis)" '^content cardiozen-launch v3: approved by luis$'
check "content list shows it approved" contains "$("$BIN" content list)" \
  '^cardiozen-launch .* approved  *3  *3 '
out=$("$BIN" content show cardiozen-launch)
check "content show says who approved" contains "$out" '^approved  *by luis at 20'
check "content show prints the history" test \
  "$(grep -cE '^  20[0-9-]+T[0-9:.]+Z +(draft|in_review|approved) +(marta|luis|[^ ]+)' <<<"$out")" = 3
check "content show --format json parses" json_parses "$("$BIN" content show cardiozen-launch --format json)"
check "content show --version 2 lists the old version's problems" contains \
  "$("$BIN" content show cardiozen-launch --version 2)" "^  sms /renditions/sms: misses the claim"
out=$("$BIN" content preview cardiozen-launch --traits '{"last_name": "Ruiz"}')
check "content preview renders the traits" contains "$out" '^  Dr. Ruiz: Cardiozen lowers'
check "content preview heads each rendition" test "$(grep -c '^== ' <<<"$out")" = 4
check "content preview lists the talking points" contains "$out" '^  - Once-daily dosing, no titration$'
check "content preview leaves html to json" lacks <(echo "$out") '<p>'
check "content preview --format json parses" json_parses \
  "$("$BIN" content preview cardiozen-launch --traits '{"last_name": "Ruiz"}' --variant loyal --format json)"
rc=0; out=$("$BIN" content preview cardiozen-launch --traits '[1]' 2>&1) || rc=$?
check "content preview refuses traits that are not an object" test "$rc" = 2 -a -n "$(grep 'JSON object' <<<"$out")"
rc=0; out=$("$BIN" content show no-such-thing 2>&1) || rc=$?
check "an unknown content id: a clear error and non-zero exit" \
  test "$rc" = 1 -a -n "$(grep "no-such-thing" <<<"$out")"
rc=0; out=$("$BIN" content reject cardiozen-launch --by luis 2>&1) || rc=$?
check "content reject needs a reason" test "$rc" != 0 -a -n "$(grep -- '--reason' <<<"$out")"
check "content retire acts as \$USER without --by" contains \
  "$(USER=carla "$BIN" content retire cardiozen-launch)" '^content cardiozen-launch v3: retired by carla$'
# journeys in YAML, on the example segments
out=$("$BIN" apply -f "$ROOT/examples/journeys.yaml")
check "apply creates the example journeys" test "$(grep -c '^journey .* created' <<<"$out")" = 2
out=$("$BIN" apply -f "$ROOT/examples/journeys.yaml")
check "a second apply leaves the journeys alone" test "$(grep -c '^journey .* unchanged' <<<"$out")" = 2
sed 's/timeout: 7d/timeout: 10d/' "$ROOT/examples/journeys.yaml" >"$WORK/journeys.yaml"
out=$("$BIN" apply -f "$WORK/journeys.yaml")
check "an edited journey becomes a new version" contains "$out" \
  'journey "Reactivate lapsed buyers" updated (journey_1, version 2)'
printf 'journeys:\n  - name: Z\n    trigger: {event: {name: Go}}\n    steps: [{type: wait, duraton: 1d}]\n' >"$WORK/bad.yaml"
rc=0; out=$("$BIN" apply -f "$WORK/bad.yaml" 2>&1) || rc=$?
check "apply reports a bad journey with its JSON pointer" \
  test "$rc" != 0 -a -n "$(grep 'bad.yaml:2: journey "Z": .*/steps/0' <<<"$out")"
stop_server
rc=0; out=$("$BIN" segment list 2>&1) || rc=$?
check "no server: a clear message and non-zero exit" \
  test "$rc" != 0 -a -n "$(grep "no server answers at $UNISONO_SERVER.*unisono serve.*--server" <<<"$out")"
unset UNISONO_SERVER

echo "$pass passed, $fail failed"
(( fail == 0 ))
