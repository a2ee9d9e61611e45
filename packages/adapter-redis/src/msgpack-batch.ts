/**
 * Encodes a flat list of strings and numbers as one MessagePack array for the add script, which reads it
 * with Redis' own `cmsgpack.unpack` (one C call instead of a Lua loop of string searches). Strings go
 * as str32 (UTF-8, any content), numbers as float64, so every JavaScript number arrives exactly.
 * Written out rather than taken from msgpackr: for this one shape msgpackr's `pack` cost about a third
 * more Node CPU per 1,000-report call (3.3–3.5 ms against 2.3–2.6 ms per 1,000 reports in the benchmark).
 */
export function packBatch(items: readonly (string | number)[]): Buffer {
  let size = 5;
  for (const it of items) size += typeof it === 'number' ? 9 : 5 + it.length * 3;
  const buf = Buffer.allocUnsafe(size);
  buf[0] = 0xdd;
  buf.writeUInt32BE(items.length, 1);
  let o = 5;
  for (const it of items) {
    if (typeof it === 'number') {
      buf[o] = 0xcb;
      buf.writeDoubleBE(it, o + 1);
      o += 9;
    } else {
      const n = buf.write(it, o + 5);
      buf[o] = 0xdb;
      buf.writeUInt32BE(n, o + 1);
      o += 5 + n;
    }
  }
  return buf.subarray(0, o);
}
