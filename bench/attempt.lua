-- attempt.lua: the same attempt as reference.sql, as one Redis script (atomic:
-- Redis runs a script alone). With appendonly yes and appendfsync always, Redis
-- fsyncs the AOF before it answers, once per event-loop turn for all clients.
--   KEYS[1]  the resource, a hash {capacity, booked}
--   KEYS[2]  the booking's decision record, a hash {resource, units, outcome}
--   ARGV[1]  units
-- Returns {outcome, reason} and a third element "replayed" for a stored decision.
local n = tonumber(ARGV[1])
local prev = redis.call('HMGET', KEYS[2], 'resource', 'units', 'outcome', 'reason')
if prev[3] then
    if prev[1] == KEYS[1] and tonumber(prev[2]) == n then
        return {prev[3], prev[4], 'replayed'}
    end
    return {'REJECTED', 'booking_id_conflict'}
end
local res = redis.call('HMGET', KEYS[1], 'capacity', 'booked')
if not res[1] then
    return {'REJECTED', 'unknown_resource'}
end
local booked = tonumber(res[2]) + n
if booked <= tonumber(res[1]) then
    redis.call('HSET', KEYS[1], 'booked', booked)
    redis.call('HSET', KEYS[2], 'resource', KEYS[1], 'units', n, 'outcome', 'BOOKED',
               'reason', 'booked')
    return {'BOOKED', 'booked'}
end
redis.call('HSET', KEYS[2], 'resource', KEYS[1], 'units', n, 'outcome', 'REJECTED',
           'reason', 'insufficient_capacity')
return {'REJECTED', 'insufficient_capacity'}
