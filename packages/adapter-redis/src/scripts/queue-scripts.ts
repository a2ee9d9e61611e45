/*
 * Lua of the ingest queue: one stream, one consumer group. An entry holds one batch in its field `r`.
 */

/**
 * KEYS: stream. ARGV: group, consumer, max, minIdleMs, forgetIdleMs.
 * First the entries other consumers left unacknowledged for minIdleMs (XAUTOCLAIM, oldest first), then
 * entries never delivered (XREADGROUP `>`). Every entry in the group's pending list is older than every
 * undelivered one, so the result is oldest first. Returns { id, deliveries, batch }...
 * Last, consumers idle for forgetIdleMs with nothing pending are removed from the group: a restarted SEF
 * process comes back under a new name, and the names of dead ones would otherwise pile up. Removing one
 * loses nothing (it holds no entry) and a live one is simply created again by its next read.
 */
export const queueClaimScript = {
  name: 'sefQueueClaim2',
  lua: `
local stream, group, consumer, max, idle = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local function batchOf(fields)
  for j = 1, #fields, 2 do if fields[j] == 'r' then return fields[j + 1] end end
  return ''
end
local out, cursor, rounds = {}, '0-0', 0
repeat
  local r = redis.call('XAUTOCLAIM', stream, group, consumer, idle, cursor, 'COUNT', max - #out)
  cursor = r[1]
  for _, e in ipairs(r[2]) do
    if type(e) == 'table' and type(e[2]) == 'table' then
      local p = redis.call('XPENDING', stream, group, e[1], e[1], 1)
      out[#out + 1] = { e[1], p[1][4], batchOf(e[2]) }
    end
  end
  rounds = rounds + 1
until cursor == '0-0' or #out >= max or rounds >= 16
if #out < max then
  local r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', max - #out, 'STREAMS', stream, '>')
  if r then
    for _, e in ipairs(r[1][2]) do out[#out + 1] = { e[1], 1, batchOf(e[2]) } end
  end
end
local forget = tonumber(ARGV[5])
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', stream, group)) do
  local f = {}
  for j = 1, #c, 2 do f[c[j]] = c[j + 1] end
  if f.name ~= consumer and f.pending == 0 and f.idle >= forget then redis.call('XGROUP', 'DELCONSUMER', stream, group, f.name) end
end
return out
`,
} as const;

/**
 * KEYS: stream. ARGV: group, ids... Acknowledges and deletes in one step, so an acknowledged entry never
 * lingers in the stream and nothing unacknowledged is ever removed (the stream is never trimmed).
 */
export const queueAckScript = {
  name: 'sefQueueAck',
  lua: `
local ids = {}
for j = 2, #ARGV do ids[#ids + 1] = ARGV[j] end
redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
return redis.call('XDEL', KEYS[1], unpack(ids))
`,
} as const;
