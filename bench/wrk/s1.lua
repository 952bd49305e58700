-- S1: one room's 25 newest sessions with their participants, the same room every request.
-- roomgraph and Tailcall: 1 upstream call (GET /rooms/{id}/sessions?include_participants=true&page[size]=25).
-- Env: BENCH_ROOM (room id); BENCH_KEY (required in rest mode; in graphql mode sent only when set).
local lib = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "lib.lua")

local room = lib.env("BENCH_ROOM")
local key = os.getenv("BENCH_KEY")
if key == "" then key = nil end

-- A fixed request: leave request() undefined so wrk reuses one pre-built request (cheapest load generator).
if lib.mode == "rest" then
  wrk.method = "GET"
  wrk.path = lib.rest_base .. lib.sessions_path(room, 25)
  wrk.headers["Authorization"] = "Bearer " .. lib.env("BENCH_KEY")
else
  wrk.method = "POST"
  wrk.path = lib.graphql_path
  wrk.body = lib.room_body(room)
  wrk.headers["Content-Type"] = "application/json"
  if key then wrk.headers["Authorization"] = "Bearer " .. key end
end

setup = lib.setup
lib.install()
function done(summary, latency, requests) lib.done(summary, latency, requests, 1) end
