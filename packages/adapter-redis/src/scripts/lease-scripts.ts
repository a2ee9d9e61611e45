/*
 * Lua of the lease manager. The lease key holds `<token>:<owner>` with the lease's TTL (PX); the fence
 * key is the per-key counter tokens come from. Expiry times come from the Redis server's clock (TIME), the
 * same clock that expires the key, so no SEF instance's clock is involved.
 */

const serverNow = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * KEYS: lease, fence. ARGV: owner, ttlMs, above. Returns { token, expiresAt } or nil when the key is held.
 * A counter below `above` (lost with a restart without persistence) is raised past it.
 */
export const leaseAcquireScript = {
  name: 'sefLeaseAcquire',
  lua: `${serverNow}
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local token = redis.call('INCR', KEYS[2])
local above = tonumber(ARGV[3])
if token <= above then
  token = above + 1
  redis.call('SET', KEYS[2], token)
end
redis.call('SET', KEYS[1], token .. ':' .. ARGV[1], 'PX', ARGV[2])
return { token, now + tonumber(ARGV[2]) }
`,
} as const;

/** KEYS: lease. ARGV: `<token>:<owner>`, ttlMs. Returns the new expiresAt, or nil when no longer held. */
export const leaseRenewScript = {
  name: 'sefLeaseRenew',
  lua: `${serverNow}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return now + tonumber(ARGV[2])
`,
} as const;

/** KEYS: lease. ARGV: `<token>:<owner>`. Deletes the key only when the caller still holds it. */
export const leaseReleaseScript = {
  name: 'sefLeaseRelease',
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
} as const;
