-- Shared by the shape scripts (s1.lua … s4.lua): environment, GraphQL bodies, the check mode and the JSON
-- report. Loaded with dofile from the directory of the calling script. It must not do any I/O per request
-- outside check mode: whatever it costs per request is charged to every contender alike, and wrk measures it.
local M = {}

-- The selection every shape asks for a session: every field of the upstream object, participants included,
-- so that every gateway needs include_participants=true and returns the same bytes. Ids are `telnyxId` (the
-- Telnyx UUID): roomgraph's `id` is a Relay global id (docs/relay.md), which neither Tailcall nor Hive Gateway
-- can compute from the REST answer without custom code.
M.session_fields = "telnyxId roomId active createdAt updatedAt endedAt "
  .. "participants { telnyxId sessionId context joinedAt updatedAt leftAt }"

M.room_query = "query S1($room: ID!) { room(id: $room) { sessions(first: 25) { nodes { "
  .. M.session_fields .. " } } } }"

M.rooms_query = "query S2 { rooms(first: 10) { nodes { telnyxId uniqueName sessions(first: 5) { nodes { "
  .. M.session_fields .. " } } } } }"

function M.env(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then
    if default == nil then
      error("bench: environment variable " .. name .. " is required")
    end
    return default
  end
  return v
end

-- mode: "graphql" (POST /graphql to a gateway) or "rest" (GET the simulator directly, the baseline).
M.mode = M.env("BENCH_MODE", "graphql")
M.graphql_path = M.env("BENCH_GRAPHQL_PATH", "/graphql")
M.rest_base = M.env("BENCH_REST_BASE", "/v2")

function M.read_lines(path)
  local f = assert(io.open(path, "r"), "bench: cannot open " .. path)
  local out = {}
  for line in f:lines() do
    if line ~= "" then out[#out + 1] = line end
  end
  f:close()
  assert(#out > 0, "bench: " .. path .. " is empty")
  return out
end

function M.split(s)
  local out = {}
  for part in string.gmatch(s, "[^,]+") do out[#out + 1] = part end
  return out
end

-- room_body returns the POST body of the one-room query for a room id (a UUID: nothing to escape).
function M.room_body(room)
  return '{"query":"' .. M.room_query .. '","variables":{"room":"' .. room .. '"}}'
end

M.rooms_body = '{"query":"' .. M.rooms_query .. '"}'

function M.graphql_request(body, key)
  local headers = { ["Content-Type"] = "application/json" }
  if key then headers["Authorization"] = "Bearer " .. key end
  return wrk.format("POST", M.graphql_path, headers, body)
end

function M.rest_request(path, key)
  return wrk.format("GET", M.rest_base .. path, { ["Authorization"] = "Bearer " .. key }, nil)
end

-- sessions_path is the upstream call roomgraph makes for sessions(first: n) with participants selected.
function M.sessions_path(room, n)
  return "/rooms/" .. room .. "/sessions?include_participants=true&page%5Bnumber%5D=1&page%5Bsize%5D=" .. n
end

-- Per-thread setup: a distinct random seed per thread, so threads do not walk the same room sequence.
-- BENCH_ADDRS (host:port,host:port,…): thread i connects to the (i mod n)-th address instead of the URL's,
-- so one wrk spreads its connections round-robin over several replicas (bench/replicas.sh); wrk itself
-- takes one URL. The Host header stays the URL's.
M.threads = {}
local addrs = os.getenv("BENCH_ADDRS")
local resolved
function M.setup(thread)
  M.threads[#M.threads + 1] = thread
  thread:set("bench_tid", #M.threads)
  if addrs and addrs ~= "" then
    if not resolved then
      resolved = {}
      for _, hp in ipairs(M.split(addrs)) do
        local host, port = hp:match("^(.*):(%d+)$")
        assert(host, "bench: BENCH_ADDRS wants host:port, got " .. hp)
        resolved[#resolved + 1] = assert(wrk.lookup(host, port)[1], "bench: cannot resolve " .. hp)
      end
    end
    thread.addr = resolved[(#M.threads - 1) % #resolved + 1]
  end
end

function M.seed()
  local tid = bench_tid or 0 -- luacheck: ignore (set by setup through thread:set)
  math.randomseed(os.time() * 1000 + tid * 7919)
  for _ = 1, 10 do math.random() end
end

-- Check mode (BENCH_CHECK=1): every response is inspected and the first one saved, to prove a contender
-- answers correctly before it is measured. Off during measurement: it costs the load generator CPU.
M.check = os.getenv("BENCH_CHECK") == "1"
local bad, saved = 0, false
function M.response(status, _, body)
  local ok = status == 200 and body ~= nil and not string.find(body, '"errors"', 1, true)
  if not ok then
    bad = bad + 1
    bench_bad = bad -- luacheck: ignore (read by done() through thread:get)
  end
  if not saved then
    saved = true
    local path = os.getenv("BENCH_CHECK_BODY")
    if path then
      local f = io.open(path, "w")
      if f then f:write(body or ""); f:close() end
    end
  end
end

-- Fixed-rate mode for the soak (BENCH_RATE requests/s over BENCH_CONNECTIONS connections, the same number
-- as wrk -c): every connection waits connections/rate seconds between requests. wrk stays a closed loop, so the
-- rate is a ceiling that holds while latency stays well under that interval.
local rate = tonumber(os.getenv("BENCH_RATE") or "")
local conns = tonumber(os.getenv("BENCH_CONNECTIONS") or "")

-- install sets wrk's optional global callbacks: response() in check mode, delay() in fixed-rate mode.
function M.install()
  if M.check then response = M.response end -- luacheck: ignore (wrk's global callback)
  if rate and rate > 0 then
    assert(conns and conns > 0, "bench: BENCH_RATE needs BENCH_CONNECTIONS (the -c of wrk)")
    local wait_ms = math.floor(conns * 1000 / rate)
    delay = function() return wait_ms end -- luacheck: ignore (wrk's global callback)
  end
end

-- done writes one JSON object to BENCH_JSON (or stdout). calls_per_unit: how many HTTP requests make one
-- unit of work (11 for the S2 REST baseline, else 1). Latencies are microseconds.
function M.done(summary, latency, requests, calls_per_unit)
  local function p(q) return latency:percentile(q) end
  local e = summary.errors
  local bad_total = 0
  if M.check then
    for _, t in ipairs(M.threads) do
      bad_total = bad_total + (tonumber(t:get("bench_bad")) or 0)
    end
  end
  local out = string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"calls_per_unit":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d},'
      .. '"check_bad":%d}',
    summary.requests, summary.duration, summary.bytes, calls_per_unit or 1,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.stdev, latency.max, p(50), p(90), p(99), p(99.9),
    bad_total)
  local path = os.getenv("BENCH_JSON")
  if path and path ~= "" then
    local f = assert(io.open(path, "w"))
    f:write(out, "\n")
    f:close()
  else
    io.write(out, "\n")
  end
end

return M
