import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { packBatch } from '../src/msgpack-batch.js';
import { skipRedis, useSharedClient } from './redis.js';

// Reads the batch back with Redis' own cmsgpack, as the add script does: strings as they came, numbers
// printed with 17 significant digits (Lua numbers are doubles, so that text is exact).
const readBack = `
local out = {}
for i, v in ipairs(cmsgpack.unpack(ARGV[1])) do
  out[i] = type(v) == 'number' and ('n' .. string.format('%.17g', v)) or ('s' .. v)
end
return out`;

describe.skipIf(skipRedis)('packBatch read by Redis cmsgpack', () => {
  let client: Redis;
  useSharedClient((c) => (client = c));

  it('carries any string and any finite double exactly (property)', async () => {
    const item = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 30 }), async (items) => {
        const got = (await client.eval(readBack, 0, packBatch(items))) as string[];
        expect(got.map((g) => (g[0] === 'n' ? Number(g.slice(1)) : g.slice(1)))).toEqual(items);
      }),
      { numRuns: 200 },
    );
  });

  it('holds a 1,000-report batch of 100 kB in one argument', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => [`${i}:agent-${i}:us-east-1a:c5.large`, 1, 1_764_000_000 + i, `p${1_764_000_000 + i}|0.0456|1764000000000|19:i-0123456789abcdef0`]).flat();
    const got = (await client.eval(readBack, 0, packBatch(items))) as string[];
    expect(got).toHaveLength(4000);
    expect(got[3998]).toBe('n1764000999');
    expect(got[3999]).toBe('sp1764000999|0.0456|1764000000000|19:i-0123456789abcdef0');
  });
});
