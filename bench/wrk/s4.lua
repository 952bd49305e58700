-- S4: S3 with two API keys taking turns (Authorization: Bearer K1, then K2, ...): forward mode, where the
-- gateway sends each caller's own key upstream. Each key draws from its own account's rooms.
-- Env: BENCH_KEYS ("K1,K2") and BENCH_ROOMS_FILES (one file per key, same order).
local lib = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "lib.lua")

local keys = lib.split(lib.env("BENCH_KEYS"))
local files = lib.split(lib.env("BENCH_ROOMS_FILES"))
assert(#keys >= 2 and #keys == #files, "bench: S4 needs two or more keys and one rooms file per key")
local rooms = {}
for i, f in ipairs(files) do rooms[i] = lib.read_lines(f) end

setup = lib.setup
function init() lib.seed() end

local n = 0
function request()
  n = n % #keys + 1
  local list = rooms[n]
  local room = list[math.random(#list)]
  if lib.mode == "rest" then
    return lib.rest_request(lib.sessions_path(room, 25), keys[n])
  end
  return lib.graphql_request(lib.room_body(room), keys[n])
end

lib.install()
function done(summary, latency, requests) lib.done(summary, latency, requests, 1) end
