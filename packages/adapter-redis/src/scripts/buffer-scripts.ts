/*
 * Lua of the dedupe buffer. All waiting reports live in one hash: field = series id, value = the series'
 * waiting reports, sorted by timestamp, each packed as `<role><timestamp>|<price>|<arrived ms>|<n>:<instanceId>`
 * (role `p` or `r`; `n` is the instance id's length in bytes, so any id fits). A due index (sorted set)
 * scores each series by the earliest arrival among its reports.
 *
 * Each released pair leaves a record for at least one window in a hash per window-long time bucket,
 * field `<series id>|<role><timestamp>` of the report that found the twin, value `<paired ms>|<twin entry>`:
 * the same report added again (its queue entry redelivered after a lost reply, or after a crash before the
 * pair was stored) gets the same twin back instead of that twin being lost. A bucket expires as a whole
 * three windows after its last write.
 *
 * One script call reads every series and record it needs with one HMGET each and writes them back with
 * one HSET each, so the cost per report is Lua work, not Redis calls. Numbers travel as the strings
 * JavaScript printed, so they compare exactly as in JavaScript.
 */

/**
 * Shared by both scripts: unpacks a series value into timestamp, arrival and entry arrays from index 1 and
 * returns how many entries it wrote (the arrays may hold stale slots past it: the add script reuses them).
 */
const unpackSeries = `
local find, sub, tonumber, concat = string.find, string.sub, tonumber, table.concat
local function unpack_series(v, ts, arr, ent, arrS)
  local pos, len, m = 1, v and #v or 0, 0
  while pos <= len do
    local p1 = find(v, '|', pos + 1, true)
    local p2 = find(v, '|', p1 + 1, true)
    local p3 = find(v, '|', p2 + 1, true)
    local c = find(v, ':', p3 + 1, true)
    local stop = c + tonumber(sub(v, p3 + 1, c - 1))
    m = m + 1
    ts[m] = tonumber(sub(v, pos + 1, p1 - 1))
    local a = sub(v, p2 + 1, p3 - 1)
    arr[m] = tonumber(a)
    if arrS then arrS[m] = a end
    ent[m] = sub(v, pos, stop)
    pos = stop + 1
  end
  return m
end
local function call_in_chunks(cmd, key, list)
  for j = 1, #list, 1000 do redis.call(cmd, key, unpack(list, j, math.min(j + 999, #list))) end
end
local function hmget(key, fields)
  local values = {}
  for j = 1, #fields, 1000 do
    local got = redis.call('HMGET', key, unpack(fields, j, math.min(j + 999, #fields)))
    for k = 1, #got do values[j + k - 1] = got[k] end
  end
  return values
end
`;

/**
 * KEYS: series hash, due, count, this bucket's pair records, the previous bucket's. ARGV: now, tolerance,
 * ttlMs, record ttlMs, then per series: its id and its incoming reports packed as
 * `<role><timestamp>|<price>|<n>:<instanceId>`, in arrival order.
 * Returns a flat list: (series number, report number within the series, twin entry) for each incoming
 * report released with the twin it found, or found again in a pair record (both numbers 1-based).
 */
export const bufferAddScript = {
  name: 'sefBufferAdd7',
  lua: `${unpackSeries}
local now, tol, ttl, recTtl = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local nowN = tonumber(now)
-- split the incoming reports first: their record fields are looked up with one HMGET per bucket.
-- Flat arrays of string positions, not a table per report: Lua's allocations are the cost here.
local ids, src, first, count, fields, starts, ends = {}, {}, {}, {}, {}, {}, {}
local n = 0
for j = 5, #ARGV, 2 do
  local id, incoming, pos = ARGV[j], ARGV[j + 1], 1
  ids[#ids + 1] = id
  src[#ids] = incoming
  first[#ids] = n + 1
  while pos <= #incoming do
    local p1 = find(incoming, '|', pos + 1, true)
    local p2 = find(incoming, '|', p1 + 1, true)
    local c = find(incoming, ':', p2 + 1, true)
    local stop = c + tonumber(sub(incoming, p2 + 1, c - 1))
    n = n + 1
    fields[n] = id .. '|' .. sub(incoming, pos, p1 - 1)
    starts[n] = pos
    ends[n] = stop
    pos = stop + 1
  end
  count[#ids] = n - first[#ids] + 1
end
local values, records, older = hmget(KEYS[1], ids), hmget(KEYS[4], fields), hmget(KEYS[5], fields)
local out, delta, sets, dels, dues, undue, recs, fresh = {}, 0, {}, {}, {}, {}, {}, {}
-- one set of arrays for every series, m entries in use: a table per series costs more than the pairing
local ts, arr, ent, arrS = {}, {}, {}, {}
for s = 1, #ids do
  local m = unpack_series(values[s], ts, arr, ent, arrS)
  local changed = false
  local incoming = src[s]
  for k = 1, count[s] do
    local g = first[s] + k - 1
    local found = records[g] or older[g]
    local record = found and sub(found, find(found, '|', 1, true) + 1) or fresh[fields[g]]
    if record then
      -- this report already found its twin: hand the same pair out again, change nothing
      out[#out + 1] = s
      out[#out + 1] = k
      out[#out + 1] = record
    else
      local pos = starts[g]
      local role = sub(incoming, pos, pos)
      local p1 = find(incoming, '|', pos + 1, true)
      local t = tonumber(sub(incoming, pos + 1, p1 - 1))
      -- first waiting report with timestamp >= t - tol - 1; the exact test |dt| <= tol is below
      local lo, hi = 1, m
      while lo <= hi do
        local mid = math.floor((lo + hi) / 2)
        if ts[mid] < t - tol - 1 then lo = mid + 1 else hi = mid - 1 end
      end
      local dup, twin, twinD
      local i = lo
      while i <= m and ts[i] <= t + tol + 1 do
        if sub(ent[i], 1, 1) == role then
          if ts[i] == t then dup = i end
        else
          -- the nearest twin; ascending order makes the earlier one win a tie
          local d = math.abs(ts[i] - t)
          if d <= tol and (twin == nil or d < twinD) then twin, twinD = i, d end
        end
        i = i + 1
      end
      local p2 = find(incoming, '|', p1 + 1, true)
      if dup then
        local e = ent[dup]
        local q1 = find(e, '|', 2, true)
        local q2 = find(e, '|', q1 + 1, true)
        local q3 = find(e, '|', q2 + 1, true)
        -- the same observation again: keep the lower price, so arrival order does not matter
        if tonumber(sub(incoming, p1 + 1, p2 - 1)) < tonumber(sub(e, q1 + 1, q2 - 1)) then
          ent[dup] = sub(incoming, pos, p2) .. sub(e, q2 + 1, q3) .. sub(incoming, p2 + 1, ends[g])
          changed = true
        end
      elseif twin then
        local e = ent[twin]
        out[#out + 1] = s
        out[#out + 1] = k
        out[#out + 1] = e
        for j = twin, m - 1 do
          ts[j], arr[j], ent[j], arrS[j] = ts[j + 1], arr[j + 1], ent[j + 1], arrS[j + 1]
        end
        m = m - 1
        fresh[fields[g]] = e
        recs[#recs + 1] = fields[g]
        recs[#recs + 1] = now .. '|' .. e
        delta = delta - 1
        changed = true
      else
        -- after every waiting report with the same timestamp: equal timestamps keep arrival order
        local at = lo
        while at <= m and ts[at] <= t do at = at + 1 end
        for j = m, at, -1 do
          ts[j + 1], arr[j + 1], ent[j + 1], arrS[j + 1] = ts[j], arr[j], ent[j], arrS[j]
        end
        ts[at], arr[at], arrS[at] = t, nowN, now
        ent[at] = sub(incoming, pos, p2) .. now .. '|' .. sub(incoming, p2 + 1, ends[g])
        m = m + 1
        delta = delta + 1
        changed = true
      end
    end
  end
  if changed then
    if m == 0 then
      dels[#dels + 1] = ids[s]
      undue[#undue + 1] = ids[s]
    else
      sets[#sets + 1] = ids[s]
      sets[#sets + 1] = concat(ent, '', 1, m)
      -- the earliest arrival as stored (the string JavaScript printed), not formatted again
      local e = 1
      for j = 2, m do if arr[j] < arr[e] then e = j end end
      dues[#dues + 1] = arrS[e]
      dues[#dues + 1] = ids[s]
    end
  end
end
if #sets > 0 then call_in_chunks('HSET', KEYS[1], sets) end
if #dels > 0 then call_in_chunks('HDEL', KEYS[1], dels) end
if #dues > 0 then call_in_chunks('ZADD', KEYS[2], dues) end
if #undue > 0 then call_in_chunks('ZREM', KEYS[2], undue) end
if #recs > 0 then
  call_in_chunks('HSET', KEYS[4], recs)
  redis.call('PEXPIRE', KEYS[4], recTtl)
end
if delta ~= 0 then redis.call('INCRBY', KEYS[3], delta) end
if #sets > 0 or #recs > 0 then
  for j = 1, 3 do redis.call('PEXPIRE', KEYS[j], ttl) end
end
return out
`,
} as const;

/**
 * KEYS: series hash, due, count. ARGV: cutoff (ms; reports that arrived at or before it are released),
 * series per call.
 * Returns { 1 if a full page was visited (call again) else 0, { series id, { entries... } }... }.
 */
export const bufferReleaseScript = {
  name: 'sefBufferRelease5',
  lua: `${unpackSeries}
local cutoff, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', cutoff, 'LIMIT', 0, limit)
local more = #ids == limit and 1 or 0
if #ids == 0 then return { more, {} } end
local values = redis.call('HMGET', KEYS[1], unpack(ids))
local out, n, sets, dels, dues = {}, 0, {}, {}, {}
for s = 1, #ids do
  local ts, arr, ent = {}, {}, {}
  unpack_series(values[s], ts, arr, ent)
  local gone, keep, earliest = {}, {}, nil
  for j = 1, #ent do
    if arr[j] <= cutoff then
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
    if #gone > 0 then
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
return { more, out }
`,
} as const;
