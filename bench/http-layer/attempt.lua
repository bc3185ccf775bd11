-- attempt.lua: wrk script for bench/http-layer/run: POST /v1/bookings with a random
-- UUIDv4 booking id each time, one unit on the resource named by the RESOURCE
-- environment variable (default "hot"). The same request for every server measured.
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("tid", threads)
end
function init(args)
    math.randomseed(os.time() * 1000 + tid)
end
local function uuid4()
    local b = {}
    for i = 1, 16 do b[i] = math.random(0, 255) end
    b[7] = b[7] % 16 + 64   -- version 4
    b[9] = b[9] % 64 + 128  -- variant 10
    return string.format("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
        unpack(b))
end
local resource = os.getenv("RESOURCE") or "hot"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
    return wrk.format(nil, "/v1/bookings", nil,
        '{"booking_id":"' .. uuid4() .. '","resource_id":"' .. resource .. '","units":1}')
end
