-- S2: 10 rooms with their 5 newest sessions each, participants included.
-- roomgraph and Tailcall: 1 + 10 upstream calls (GET /rooms, then GET /rooms/{id}/sessions per room).
-- rest mode replays those 11 calls in turn on each thread; 11 HTTP requests count as one unit of work.
-- Env: rest mode needs BENCH_KEY and BENCH_ROOMS_FILE (room ids in API order: the first 10 are the page).
local lib = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "lib.lua")

local calls = 1
if lib.mode == "rest" then
  local key = lib.env("BENCH_KEY")
  local rooms = lib.read_lines(lib.env("BENCH_ROOMS_FILE"))
  assert(#rooms >= 10, "bench: S2 needs at least 10 rooms")
  calls = 11
  local reqs, n = {}, 0
  -- Built in init(): wrk.format adds the Host header, which wrk knows only once the thread starts.
  function init()
    reqs[1] = lib.rest_request("/rooms?page%5Bnumber%5D=1&page%5Bsize%5D=10", key)
    for i = 1, 10 do reqs[#reqs + 1] = lib.rest_request(lib.sessions_path(rooms[i], 5), key) end
  end
  function request()
    n = n % calls + 1
    return reqs[n]
  end
else
  wrk.method = "POST"
  wrk.path = lib.graphql_path
  wrk.body = lib.rooms_body
  wrk.headers["Content-Type"] = "application/json"
  local key = os.getenv("BENCH_KEY")
  if key and key ~= "" then wrk.headers["Authorization"] = "Bearer " .. key end
end

setup = lib.setup
lib.install()
function done(summary, latency, requests) lib.done(summary, latency, requests, calls) end
