/*
 * Lua of the dedupe buffer. A waiting report is one member of its series' sorted set, scored by its
 * timestamp: `<role><timestamp>|<price>|<arrived ms>|<instanceId>` (role `p` or `r`; the instance last, so
 * it may contain `|`). Numbers travel as the strings JavaScript printed, so they compare exactly as in JS.
 */

/** Shared by both scripts: the arrival time and price fields of a member. */
const parseMember = `
local function fields(m)
  local p1 = string.find(m, '|', 2, true)
  local p2 = string.find(m, '|', p1 + 1, true)
  local p3 = string.find(m, '|', p2 + 1, true)
  return tonumber(string.sub(m, 2, p1 - 1)), string.sub(m, p1 + 1, p2 - 1), string.sub(m, p2 + 1, p3 - 1), p2, p3
end
`;

/**
 * KEYS: due, count, series keys... ARGV: now, tolerance, ttlMs, prefix byte length, then five per report:
 * key index (into KEYS), role, timestamp, price, instanceId.
 * Returns a flat list: (0-based report index, twin member) for each report released with its twin.
 */
export const bufferAddScript = {
  name: 'sefBufferAdd',
  lua: `${parseMember}
local now, tol, ttl, plen = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local out, delta, held, touched = {}, 0, {}, {}
local i = 5
while i <= #ARGV do
  local key, role, tsS, price, inst = KEYS[tonumber(ARGV[i])], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local ts = tonumber(tsS)
  -- one wider than the tolerance: Lua prints bounds with 14 digits; the exact test is below
  local near = redis.call('ZRANGEBYSCORE', key, ts - tol - 1, ts + tol + 1)
  local dup, twin, twinD, twinTs
  for _, m in ipairs(near) do
    local mts = fields(m)
    if string.sub(m, 1, 1) == role then
      if mts == ts then dup = m end
    else
      local d = math.abs(mts - ts)
      -- the nearest twin; on a tie the earlier one, so the choice does not depend on member order
      if d <= tol and (twin == nil or d < twinD or (d == twinD and mts < twinTs)) then
        twin, twinD, twinTs = m, d, mts
      end
    end
  end
  if dup then
    local _, oldPrice, arrived = fields(dup)
    -- the same observation again: keep the lower price, so arrival order does not matter
    if tonumber(price) < tonumber(oldPrice) then
      redis.call('ZREM', key, dup)
      redis.call('ZADD', key, tsS, role .. tsS .. '|' .. price .. '|' .. arrived .. '|' .. inst)
      touched[key] = true
    end
  elseif twin then
    redis.call('ZREM', key, twin)
    out[#out + 1] = (i - 5) / 5
    out[#out + 1] = twin
    delta = delta - 1
  else
    redis.call('ZADD', key, tsS, role .. tsS .. '|' .. price .. '|' .. now .. '|' .. inst)
    delta = delta + 1
    held[key] = true
    touched[key] = true
  end
  i = i + 5
end
for key in pairs(held) do redis.call('ZADD', KEYS[1], 'LT', now, string.sub(key, plen + 1)) end
for key in pairs(touched) do redis.call('PEXPIRE', key, ttl) end
if delta ~= 0 then redis.call('INCRBY', KEYS[2], delta) end
if next(held) then
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return out
`,
} as const;

/**
 * KEYS: due, count. ARGV: cutoff (ms; reports that arrived at or before it are released), series per call,
 * series key prefix. Returns { series visited, { series id, { members... } }... }; the caller calls again
 * while a full page of series was visited.
 */
export const bufferReleaseScript = {
  name: 'sefBufferRelease',
  lua: `${parseMember}
local cutoff, limit, sprefix = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff, 'LIMIT', 0, limit)
local out, n = {}, 0
for _, id in ipairs(ids) do
  local key = sprefix .. id
  local gone, earliest, earliestS = {}, nil, nil
  for _, m in ipairs(redis.call('ZRANGE', key, 0, -1)) do
    local _, _, arrivedS = fields(m)
    local arrived = tonumber(arrivedS)
    if arrived <= cutoff then
      gone[#gone + 1] = m
    elseif earliest == nil or arrived < earliest then
      earliest, earliestS = arrived, arrivedS
    end
  end
  if #gone > 0 then
    for j = 1, #gone, 1000 do redis.call('ZREM', key, unpack(gone, j, math.min(j + 999, #gone))) end
    out[#out + 1] = { id, gone }
    n = n + #gone
  end
  -- the index score may have been stale (a twin left since); set it to the true earliest arrival
  if earliest then redis.call('ZADD', KEYS[1], earliestS, id) else redis.call('ZREM', KEYS[1], id) end
end
if n > 0 then redis.call('DECRBY', KEYS[2], n) end
return { #ids, out }
`,
} as const;
