/*
 * Lua of the dedupe buffer. All waiting reports live in one hash: field = series id, value = the series'
 * waiting reports, sorted by timestamp, each packed as `<role><timestamp>|<price>|<arrived ms>|<n>:<instanceId>`
 * (role `p` or `r`; `n` is the instance id's length in bytes, so any id fits; Node packs it, arrival
 * included, so a report that just waits is stored as it came).
 *
 * A due index (sorted set) scores each series at or before the earliest arrival among its reports: what
 * the sweep visits. An add lowers a score when it must and never raises one; the sweep sets it exactly.
 * A series an add empties keeps its field as `@<bound>`, a time at or after its score, so that the next
 * add to it (usually the next observation) can tell without touching the index that its score is already
 * at or before now; the sweep removes such a field and its index entry once the score has passed.
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
local find, sub, byte, tonumber, concat = string.find, string.sub, string.byte, tonumber, table.concat
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
local function call_in_chunks(cmd, key, list, flag)
  for j = 1, #list, 1000 do
    local last = math.min(j + 999, #list)
    if flag then redis.call(cmd, key, flag, unpack(list, j, last)) else redis.call(cmd, key, unpack(list, j, last)) end
  end
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
 * ttlMs, record ttlMs, '1' to look for pair records (else '0'), then the batch as one MessagePack array:
 * per series its id and the number k of its incoming reports, then k times (timestamp, the report
 * packed as a waiting report that arrived now), in arrival order.
 * Returns a flat list: (g, twin entry) for each incoming report released with the twin it found, or
 * found again in a pair record; g is the report's 1-based position in the batch.
 */
export const bufferAddScript = {
  name: 'sefBufferAdd8',
  lua: `${unpackSeries}
local now, tol, ttl, recTtl, lookup = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5] == '1'
local nowN = tonumber(now)
-- the batch comes parsed by cmsgpack (C); flat arrays of positions, not a table per report: Lua's
-- allocations and string calls are the cost here
local batch = cmsgpack.unpack(ARGV[6])
local ids, first, count, at = {}, {}, {}, {}
local n, j = 0, 1
while j <= #batch do
  local k = batch[j + 1]
  ids[#ids + 1] = batch[j]
  first[#ids] = n + 1
  count[#ids] = k
  for q = j + 2, j + 2 * k, 2 do
    n = n + 1
    at[n] = q
  end
  j = j + 2 + 2 * k
end
-- the record field of report g, '<series id>|<role><timestamp>': built only where a record is needed
local fields = {}
local function field(g, s)
  local f = fields[g]
  if not f then
    local e = batch[at[g] + 1]
    f = ids[s] .. '|' .. sub(e, 1, find(e, '|', 2, true) - 1)
    fields[g] = f
  end
  return f
end
local values, records, older = hmget(KEYS[1], ids), {}, {}
-- a first delivery cannot repeat a report that already found its twin: no record to look for
if lookup then
  for s = 1, #ids do
    for g = first[s], first[s] + count[s] - 1 do field(g, s) end
  end
  records, older = hmget(KEYS[4], fields), hmget(KEYS[5], fields)
end
local out, delta, sets, dues, recs, fresh = {}, 0, {}, {}, {}, {}
-- one set of arrays for every series, m entries in use: a table per series costs more than the pairing
local ts, arr, ent, arrS = {}, {}, {}, {}
for s = 1, #ids do
  local v = values[s]
  local m, covered, bound = 0, false, nil
  if v then
    if byte(v, 1) == 64 then
      -- '@<bound>': nothing waits, the series' due score is at or before the bound
      bound = sub(v, 2)
    else
      m = unpack_series(v, ts, arr, ent, arrS)
      local e = 1
      for i = 2, m do if arr[i] < arr[e] then e = i end end
      bound = arrS[e]
    end
    -- what this call adds arrives now: the index needs no update if the score is at or before now
    covered = tonumber(bound) <= nowN
  end
  local changed = false
  for k = 1, count[s] do
    local g = first[s] + k - 1
    local found = records[g] or older[g]
    -- the same report twice in one call (so in one series): the second gets the pair the first made
    local record = found and sub(found, find(found, '|', 1, true) + 1) or (count[s] > 1 and next(fresh) ~= nil and fresh[field(g, s)])
    if record then
      -- this report already found its twin: hand the same pair out again, change nothing
      out[#out + 1] = g
      out[#out + 1] = record
    else
      local q = at[g]
      local t, e = batch[q], batch[q + 1]
      local role = byte(e, 1)
      -- first waiting report with timestamp >= t - tol - 1; the exact test |dt| <= tol is below
      local lo, hi = 1, m
      while lo <= hi do
        local mid = lo + hi
        mid = (mid - mid % 2) / 2
        if ts[mid] < t - tol - 1 then lo = mid + 1 else hi = mid - 1 end
      end
      local dup, twin, twinD
      local i = lo
      while i <= m and ts[i] <= t + tol + 1 do
        if byte(ent[i], 1) == role then
          if ts[i] == t then dup = i end
        else
          -- the nearest twin; ascending order makes the earlier one win a tie
          local d = ts[i] - t
          if d < 0 then d = -d end
          if d <= tol and (twin == nil or d < twinD) then twin, twinD = i, d end
        end
        i = i + 1
      end
      if dup then
        local w = ent[dup]
        local q1 = find(w, '|', 2, true)
        local q2 = find(w, '|', q1 + 1, true)
        local q3 = find(w, '|', q2 + 1, true)
        local p1 = find(e, '|', 2, true)
        local p2 = find(e, '|', p1 + 1, true)
        local p3 = find(e, '|', p2 + 1, true)
        -- the same observation again: keep the lower price (and the first arrival), so arrival order
        -- does not matter
        if tonumber(sub(e, p1 + 1, p2 - 1)) < tonumber(sub(w, q1 + 1, q2 - 1)) then
          ent[dup] = sub(e, 1, p2) .. sub(w, q2 + 1, q3 - 1) .. sub(e, p3)
          changed = true
        end
      elseif twin then
        local w = ent[twin]
        out[#out + 1] = g
        out[#out + 1] = w
        for x = twin, m - 1 do
          ts[x], arr[x], ent[x], arrS[x] = ts[x + 1], arr[x + 1], ent[x + 1], arrS[x + 1]
        end
        m = m - 1
        local f = field(g, s)
        if count[s] > 1 then fresh[f] = w end
        recs[#recs + 1] = f
        recs[#recs + 1] = now .. '|' .. w
        delta = delta - 1
        changed = true
      else
        -- after every waiting report with the same timestamp: equal timestamps keep arrival order
        local pos = lo
        while pos <= m and ts[pos] <= t do pos = pos + 1 end
        for x = m, pos, -1 do
          ts[x + 1], arr[x + 1], ent[x + 1], arrS[x + 1] = ts[x], arr[x], ent[x], arrS[x]
        end
        ts[pos], arr[pos], ent[pos], arrS[pos] = t, nowN, e, now
        m = m + 1
        delta = delta + 1
        changed = true
      end
    end
  end
  if changed then
    if m > 0 then
      sets[#sets + 1] = ids[s]
      sets[#sets + 1] = concat(ent, '', 1, m)
      if not covered then
        dues[#dues + 1] = now
        dues[#dues + 1] = ids[s]
      end
    elseif bound then
      -- emptied: keep what is known of its due score, so the next add to it needs no index update;
      -- the sweep removes the field and the index entry once that score has passed
      sets[#sets + 1] = ids[s]
      sets[#sets + 1] = '@' .. bound
    end
  end
end
if #sets > 0 then call_in_chunks('HSET', KEYS[1], sets) end
if #dues > 0 then call_in_chunks('ZADD', KEYS[2], dues, 'LT') end
if #recs > 0 then
  call_in_chunks('HSET', KEYS[4], recs)
  redis.call('PEXPIRE', KEYS[4], recTtl)
end
if delta ~= 0 then redis.call('INCRBY', KEYS[3], delta) end
if #sets > 0 or #recs > 0 then
  for x = 1, 3 do redis.call('PEXPIRE', KEYS[x], ttl) end
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
  name: 'sefBufferRelease6',
  lua: `${unpackSeries}
local cutoff, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', cutoff, 'LIMIT', 0, limit)
local more = #ids == limit and 1 or 0
if #ids == 0 then return { more, {} } end
local values = redis.call('HMGET', KEYS[1], unpack(ids))
local out, n, sets, dels, dues = {}, 0, {}, {}, {}
for s = 1, #ids do
  local v = values[s]
  if not v or byte(v, 1) == 64 then
    -- nothing waits in it (emptied by an add, '@<bound>'): forget the series
    dels[#dels + 1] = ids[s]
  else
    local ts, arr, ent, arrS = {}, {}, {}, {}
    local m = unpack_series(v, ts, arr, ent, arrS)
    local gone, keep, earliest = {}, {}, nil
    for j = 1, m do
      if arr[j] <= cutoff then
        gone[#gone + 1] = ent[j]
      else
        keep[#keep + 1] = ent[j]
        if earliest == nil or arr[j] < arr[earliest] then earliest = j end
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
      -- the exact due time as stored (the string JavaScript printed): adds only ever lower the score
      dues[#dues + 1] = arrS[earliest]
      dues[#dues + 1] = ids[s]
    end
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
