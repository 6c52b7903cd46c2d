-- wrk script: one Segment "track" call per request (POST /v1/track).
--
-- Every request carries a messageId that is unique across threads and across
-- runs: <64-bit random run id>-<thread id>-<per-thread counter>, shaped like a
-- UUID.  The run id is drawn once per wrk invocation from /dev/urandom.
--
-- Non-2xx responses and 2xx responses whose body is not {"success":true} are
-- counted separately and printed by done(): a fast error is not a success.
--
-- Environment:
--   WRK_WRITE_KEY  write key sent as the Basic-auth user (default bench-write-key)
--
-- Output (parsed by the bench/*.sh scripts):
--   LUA_RESULT key=value ...    one line
--   LUA_STATUS code=count ...   only if some responses were not OK
--   LUA_SAMPLE <status> <body>  first bad response (truncated), if any

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local i1 = math.floor(n / 262144) % 64
    local i2 = math.floor(n / 4096) % 64
    local i3 = math.floor(n / 64) % 64
    local i4 = n % 64
    out[#out + 1] = B64:sub(i1 + 1, i1 + 1) .. B64:sub(i2 + 1, i2 + 1)
      .. (b and B64:sub(i3 + 1, i3 + 1) or "=")
      .. (c and B64:sub(i4 + 1, i4 + 1) or "=")
  end
  return table.concat(out)
end

local function random_hex16()
  local f = io.open("/dev/urandom", "rb")
  local bytes = f and f:read(8)
  if f then f:close() end
  if not bytes or #bytes ~= 8 then
    math.randomseed(os.time() + math.floor(os.clock() * 1e6))
    local t = {}
    for i = 1, 8 do t[i] = string.char(math.random(0, 255)) end
    bytes = table.concat(t)
  end
  return (bytes:gsub(".", function(ch) return string.format("%02x", ch:byte()) end))
end

-- ---------------------------------------------------------------- main state
threads = {}
local main_run_id = nil

function setup(thread)
  if not main_run_id then main_run_id = random_hex16() end
  thread:set("run_id", main_run_id)
  thread:set("tid", #threads)
  threads[#threads + 1] = thread
end

-- -------------------------------------------------------------- thread state
local counter = 0
local headers = nil
local path = nil
local id_prefix = nil
local cached_sec, cached_ts = -1, nil

ok_count, non2xx, badbody = 0, 0, 0
statuses = {}
sample = nil

local EVENTS = { "Order Completed", "Product Viewed", "Checkout Started",
                 "Product Added", "Signed In", "Page Scrolled" }

function init(args)
  local key = os.getenv("WRK_WRITE_KEY") or "bench-write-key"
  headers = {
    ["Authorization"] = "Basic " .. base64(key .. ":"),
    ["Content-Type"] = "application/json",
  }
  path = wrk.path
  if path == nil or path == "" or path == "/" then path = "/v1/track" end
  -- UUID-shaped: 8-4-4-<tid 4>-<counter 12>
  id_prefix = string.format("%s-%s-%s-%04x-", run_id:sub(1, 8), run_id:sub(9, 12),
                            run_id:sub(13, 16), tid % 65536)
  math.randomseed(tonumber(run_id:sub(1, 7), 16) + tid)
end

local function timestamp()
  local now = os.time()
  if now ~= cached_sec then
    cached_sec = now
    cached_ts = os.date("!%Y-%m-%dT%H:%M:%S", now)
  end
  return cached_ts
end

function request()
  counter = counter + 1
  local user = (counter * 7919 + tid * 104729) % 50000
  local ms = counter % 1000
  local body = string.format(
    '{"type":"track","event":"%s","userId":"user_%05d","anonymousId":"anon_%05d",' ..
    '"messageId":"%s%012x","timestamp":"%s.%03dZ",' ..
    '"properties":{"orderId":"ord_%d","total":%d.%02d,"currency":"USD",' ..
    '"products":[{"sku":"SKU-%04d","price":%d.99,"quantity":%d}]},' ..
    '"context":{"ip":"203.0.113.%d",' ..
    '"library":{"name":"analytics-node","version":"6.2.0"},' ..
    '"userAgent":"Mozilla/5.0 (X11; Linux x86_64)"}}',
    EVENTS[counter % #EVENTS + 1], user, (user * 7) % 100000,
    id_prefix, counter, timestamp(), ms,
    counter, 10 + counter % 490, counter % 100,
    counter % 5000, 5 + counter % 95, 1 + counter % 4,
    1 + counter % 254)
  return wrk.format("POST", path, headers, body)
end

function response(status, hdrs, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    local k = tostring(status)
    statuses[k] = (statuses[k] or 0) + 1
    if not sample then sample = k .. " " .. (body or ""):sub(1, 200):gsub("%s+", " ") end
  elseif not body or not body:find('"success"%s*:%s*true') then
    badbody = badbody + 1
    statuses["2xx-bad-body"] = (statuses["2xx-bad-body"] or 0) + 1
    if not sample then sample = tostring(status) .. " " .. (body or ""):sub(1, 200):gsub("%s+", " ") end
  else
    ok_count = ok_count + 1
  end
end

-- ---------------------------------------------------------------- main state
function done(summary, latency, requests)
  local ok, bad, nonok = 0, 0, 0
  local all = {}
  local first_sample = nil
  for _, t in ipairs(threads) do
    ok = ok + (t:get("ok_count") or 0)
    nonok = nonok + (t:get("non2xx") or 0)
    bad = bad + (t:get("badbody") or 0)
    local st = t:get("statuses") or {}
    for k, v in pairs(st) do all[k] = (all[k] or 0) + v end
    first_sample = first_sample or t:get("sample")
  end
  local dur = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "LUA_RESULT requests=%d ok=%d non2xx=%d badbody=%d connect_err=%d read_err=%d " ..
    "write_err=%d timeout_err=%d duration_s=%.3f ok_rps=%.2f events_per_request=1 " ..
    "ok_events_per_s=%.2f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    summary.requests, ok, nonok, bad, e.connect, e.read, e.write, e.timeout, dur,
    ok / dur, ok / dur,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
  local parts = {}
  for k, v in pairs(all) do parts[#parts + 1] = k .. "=" .. v end
  if #parts > 0 then
    table.sort(parts)
    io.write("LUA_STATUS " .. table.concat(parts, " ") .. "\n")
  end
  if first_sample then io.write("LUA_SAMPLE " .. first_sample .. "\n") end
end
