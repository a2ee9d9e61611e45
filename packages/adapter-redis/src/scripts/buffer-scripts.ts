/*
 * Lua of the dedupe buffer: one compare-and-set append to its log. Instances decide in their own memory
 * and append the decisions only if no other instance appended since the entry their state reflects, so
 * the log is one order every instance replays; a decision made on a stale state never lands.
 */

/**
 * KEYS: log (stream), head (number of the last entry), count (reports waiting). ARGV: the entry number
 * the caller's state reflects, the entry (JSON decisions), the change of the waiting count, the lowest
 * entry number to keep ('0' to trim nothing), the keys' TTL (ms), how many newer entries to return on a
 * conflict.
 * An empty entry appends nothing: the call then only checks that the caller's state is current (and trims).
 * Returns { 1, head } when the entry was appended as number head (or, empty, the caller was current), else
 * { 0, head, entries after the caller's (XRANGE reply, at most the number asked for) }.
 */
export const bufferAppendScript = {
  name: 'sefBufferAppend1',
  lua: `
local head = tonumber(redis.call('GET', KEYS[2]) or '0')
if head == 0 and redis.call('EXISTS', KEYS[1]) == 1 then
  -- the head key is gone but the log is not: the log's last entry is the head
  local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
  if last then head = tonumber(string.match(last[1], '^(%d+)')) end
end
local expected = tonumber(ARGV[1])
if head ~= expected then
  return { 0, head, redis.call('XRANGE', KEYS[1], '(' .. ARGV[1] .. '-0', '+', 'COUNT', ARGV[6]) }
end
if ARGV[2] == '' then
  if ARGV[4] ~= '0' then redis.call('XTRIM', KEYS[1], 'MINID', ARGV[4] .. '-0') end
  return { 1, head }
end
local seq = head + 1
redis.call('XADD', KEYS[1], seq .. '-0', 'd', ARGV[2])
redis.call('SET', KEYS[2], seq, 'PX', ARGV[5])
local delta = tonumber(ARGV[3])
if delta ~= 0 then redis.call('INCRBY', KEYS[3], delta) end
if ARGV[4] ~= '0' then redis.call('XTRIM', KEYS[1], 'MINID', ARGV[4] .. '-0') end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[3], ARGV[5])
return { 1, seq }
`,
} as const;
