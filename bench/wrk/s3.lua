-- S3: S1 with the room drawn at random (math.random, per request) from every room of the account.
-- roomgraph and Tailcall: 1 upstream call; dedupe and caches rarely help, unlike S1.
-- Env: BENCH_ROOMS_FILE (one room id a line); BENCH_KEY (required in rest mode; graphql: sent when set).
local lib = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "lib.lua")

local rooms = lib.read_lines(lib.env("BENCH_ROOMS_FILE"))
local key = os.getenv("BENCH_KEY")
if key == "" then key = nil end
if lib.mode == "rest" then key = lib.env("BENCH_KEY") end

setup = lib.setup
function init() lib.seed() end

if lib.mode == "rest" then
  function request()
    return lib.rest_request(lib.sessions_path(rooms[math.random(#rooms)], 25), key)
  end
else
  function request()
    return lib.graphql_request(lib.room_body(rooms[math.random(#rooms)]), key)
  end
end

lib.install()
function done(summary, latency, requests) lib.done(summary, latency, requests, 1) end
