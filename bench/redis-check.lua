-- redis-check.lua: counts the BOOKED decision records of one resource, to compare
-- with its `booked` after a run.  KEYS[1] the resource; ARGV[1] the key pattern.
local count, units, cursor = 0, 0, '0'
repeat
    local page = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 10000)
    cursor = page[1]
    for _, key in ipairs(page[2]) do
        local d = redis.call('HMGET', key, 'resource', 'units', 'outcome')
        if d[1] == KEYS[1] and d[3] == 'BOOKED' then
            count = count + 1
            units = units + tonumber(d[2])
        end
    end
until cursor == '0'
local r = redis.call('HMGET', KEYS[1], 'capacity', 'booked')
return {count, units, tonumber(r[1]), tonumber(r[2])}
