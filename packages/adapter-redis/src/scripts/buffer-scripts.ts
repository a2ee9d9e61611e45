/*
 * Lua of the dedupe buffer. All waiting reports live in one hash: field = series id, value = the series'
 * waiting reports, sorted by timestamp, each packed as `<role><timestamp>|<price>|<arrived ms>|<n>:<instanceId>`
 * (role `p` or `r`; `n` is the instance id's length in bytes, so any id fits). Beside them, for one window,
 * a record of each pair released: `x<role><timestamp>|<paired ms>|<twin entry>`, keyed by the report that
 * found the twin, so that the same report added again (a redelivery after a lost reply or a crash before
 * the pair was stored) gets the same twin back instead of losing it. A due index (sorted set) scores each
 * series by the earliest arrival (or pairing) among its entries. One script call reads every series it
 * needs with one HMGET and writes them back with one HSET, so the cost per report is Lua work, not Redis
 * calls. Numbers travel as the strings JavaScript printed, so they compare exactly as in JavaScript.
 */

/** Shared by both scripts: unpacks a series value into timestamp, arrival and entry arrays. */
const unpackSeries = `
local find, sub, tonumber, concat, insert, remove = string.find, string.sub, tonumber, table.concat, table.insert, table.remove
-- end (inclusive) of the waiting entry that starts at pos
local function entry_end(v, pos)
  local p1 = find(v, '|', pos + 1, true)
  local p2 = find(v, '|', p1 + 1, true)
  local p3 = find(v, '|', p2 + 1, true)
  local c = find(v, ':', p3 + 1, true)
  return c + tonumber(sub(v, p3 + 1, c - 1)), p1, p2, p3
end
local function unpack_series(v, ts, arr, ent)
  local pos, len = 1, v and #v or 0
  while pos <= len do
    if sub(v, pos, pos) == 'x' then
      local q1 = find(v, '|', pos + 2, true)
      local q2 = find(v, '|', q1 + 1, true)
      local stop = entry_end(v, q2 + 1)
      ts[#ts + 1] = tonumber(sub(v, pos + 2, q1 - 1))
      arr[#arr + 1] = tonumber(sub(v, q1 + 1, q2 - 1))
      ent[#ent + 1] = sub(v, pos, stop)
      pos = stop + 1
    else
      local stop, p1, p2, p3 = entry_end(v, pos)
      ts[#ts + 1] = tonumber(sub(v, pos + 1, p1 - 1))
      arr[#arr + 1] = tonumber(sub(v, p2 + 1, p3 - 1))
      ent[#ent + 1] = sub(v, pos, stop)
      pos = stop + 1
    end
  end
end
-- the twin entry kept in a pair record
local function record_twin(e)
  return sub(e, find(e, '|', find(e, '|', 3, true) + 1, true) + 1)
end
local function call_in_chunks(cmd, key, list)
  for j = 1, #list, 1000 do redis.call(cmd, key, unpack(list, j, math.min(j + 999, #list))) end
end
`;

/**
 * KEYS: hash, due, count. ARGV: now, tolerance, ttlMs, then per series: its id and its incoming reports
 * packed as `<role><timestamp>|<price>|<n>:<instanceId>`, in arrival order.
 * Returns a flat list: (series number, report number within the series, twin entry) for each incoming
 * report released with the twin it found, or found again in a pair record (both numbers 1-based).
 */
export const bufferAddScript = {
  name: 'sefBufferAdd3',
  lua: `${unpackSeries}
local now, tol, ttl = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local nowN = tonumber(now)
local ids = {}
for j = 4, #ARGV, 2 do ids[#ids + 1] = ARGV[j] end
local values = {}
for j = 1, #ids, 1000 do
  local got = redis.call('HMGET', KEYS[1], unpack(ids, j, math.min(j + 999, #ids)))
  for k = 1, #got do values[j + k - 1] = got[k] end
end
local out, delta, sets, dels, dues, undue = {}, 0, {}, {}, {}, {}
for s = 1, #ids do
  local ts, arr, ent = {}, {}, {}
  unpack_series(values[s], ts, arr, ent)
  local changed = false
  local incoming, pos, k = ARGV[3 + 2 * s], 1, 0
  while pos <= #incoming do
    k = k + 1
    local p1 = find(incoming, '|', pos + 1, true)
    local p2 = find(incoming, '|', p1 + 1, true)
    local c = find(incoming, ':', p2 + 1, true)
    local stop = c + tonumber(sub(incoming, p2 + 1, c - 1))
    local role, tsS, price = sub(incoming, pos, pos), sub(incoming, pos + 1, p1 - 1), sub(incoming, p1 + 1, p2 - 1)
    local inst = sub(incoming, p2 + 1, stop)
    pos = stop + 1
    local t = tonumber(tsS)
    -- first waiting report with timestamp >= t - tol - 1; the exact test |dt| <= tol is below
    local lo, hi = 1, #ts
    while lo <= hi do
      local mid = math.floor((lo + hi) / 2)
      if ts[mid] < t - tol - 1 then lo = mid + 1 else hi = mid - 1 end
    end
    local dup, twin, twinD, replay
    local i = lo
    while i <= #ts and ts[i] <= t + tol + 1 do
      local kind = sub(ent[i], 1, 1)
      if kind == 'x' then
        if ts[i] == t and sub(ent[i], 2, 2) == role then replay = i end
      elseif kind == role then
        if ts[i] == t then dup = i end
      else
        -- the nearest twin; ascending order makes the earlier one win a tie
        local d = math.abs(ts[i] - t)
        if d <= tol and (twin == nil or d < twinD) then twin, twinD = i, d end
      end
      i = i + 1
    end
    if replay then
      -- this report already found its twin: hand the same pair out again, change nothing
      out[#out + 1] = s
      out[#out + 1] = k
      out[#out + 1] = record_twin(ent[replay])
    elseif dup then
      local e = ent[dup]
      local q1 = find(e, '|', 2, true)
      local q2 = find(e, '|', q1 + 1, true)
      local q3 = find(e, '|', q2 + 1, true)
      -- the same observation again: keep the lower price, so arrival order does not matter
      if tonumber(price) < tonumber(sub(e, q1 + 1, q2 - 1)) then
        ent[dup] = role .. tsS .. '|' .. price .. '|' .. sub(e, q2 + 1, q3 - 1) .. '|' .. inst
        changed = true
      end
    elseif twin then
      local e = ent[twin]
      out[#out + 1] = s
      out[#out + 1] = k
      out[#out + 1] = e
      remove(ts, twin)
      remove(arr, twin)
      remove(ent, twin)
      -- the pair record sits where the report would have waited
      local at = lo
      while at <= #ts and ts[at] <= t do at = at + 1 end
      insert(ts, at, t)
      insert(arr, at, nowN)
      insert(ent, at, 'x' .. role .. tsS .. '|' .. now .. '|' .. e)
      delta = delta - 1
      changed = true
    else
      -- after every waiting report with the same timestamp: equal timestamps keep arrival order
      local at = lo
      while at <= #ts and ts[at] <= t do at = at + 1 end
      insert(ts, at, t)
      insert(arr, at, nowN)
      insert(ent, at, role .. tsS .. '|' .. price .. '|' .. now .. '|' .. inst)
      delta = delta + 1
      changed = true
    end
  end
  if changed then
    if #ent == 0 then
      dels[#dels + 1] = ids[s]
      undue[#undue + 1] = ids[s]
    else
      sets[#sets + 1] = ids[s]
      sets[#sets + 1] = concat(ent)
      local earliest = arr[1]
      for j = 2, #arr do if arr[j] < earliest then earliest = arr[j] end end
      dues[#dues + 1] = string.format('%.17g', earliest)
      dues[#dues + 1] = ids[s]
    end
  end
end
if #sets > 0 then call_in_chunks('HSET', KEYS[1], sets) end
if #dels > 0 then call_in_chunks('HDEL', KEYS[1], dels) end
if #dues > 0 then call_in_chunks('ZADD', KEYS[2], dues) end
if #undue > 0 then call_in_chunks('ZREM', KEYS[2], undue) end
if delta ~= 0 then redis.call('INCRBY', KEYS[3], delta) end
if #sets > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
  redis.call('PEXPIRE', KEYS[3], ttl)
end
return out
`,
} as const;

/**
 * KEYS: hash, due, count. ARGV: cutoff (ms; reports that arrived at or before it are released), series
 * per call. Returns { series visited, { series id, { entries... } }... }; the caller calls again while a
 * full page of series was visited.
 */
export const bufferReleaseScript = {
  name: 'sefBufferRelease3',
  lua: `${unpackSeries}
local cutoff, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', cutoff, 'LIMIT', 0, limit)
if #ids == 0 then return { 0, {} } end
local values = redis.call('HMGET', KEYS[1], unpack(ids))
local out, n, sets, dels, dues = {}, 0, {}, {}, {}
for s = 1, #ids do
  local ts, arr, ent = {}, {}, {}
  unpack_series(values[s], ts, arr, ent)
  local gone, keep, earliest = {}, {}, nil
  local pruned = false
  for j = 1, #ent do
    if arr[j] <= cutoff and sub(ent[j], 1, 1) == 'x' then
      -- a pair record whose window has passed: nothing to release, just forget it
      pruned = true
    elseif arr[j] <= cutoff then
      gone[#gone + 1] = ent[j]
    else
      keep[#keep + 1] = ent[j]
      if earliest == nil or arr[j] < earliest then earliest = arr[j] end
    end
  end
  if #gone > 0 then
    out[#out + 1] = { ids[s], gone }
    n = n + #gone
  end
  if #keep == 0 then
    dels[#dels + 1] = ids[s]
  else
    if #gone > 0 or pruned then
      sets[#sets + 1] = ids[s]
      sets[#sets + 1] = concat(keep)
    end
    dues[#dues + 1] = string.format('%.17g', earliest)
    dues[#dues + 1] = ids[s]
  end
end
if #sets > 0 then call_in_chunks('HSET', KEYS[1], sets) end
if #dels > 0 then
  call_in_chunks('HDEL', KEYS[1], dels)
  call_in_chunks('ZREM', KEYS[2], dels)
end
if #dues > 0 then call_in_chunks('ZADD', KEYS[2], dues) end
if n > 0 then redis.call('DECRBY', KEYS[3], n) end
return { #ids, out }
`,
} as const;
