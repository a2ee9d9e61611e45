/** Small helpers for inline SVG: escaping, number formatting, scales, axes. */

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Coordinates with two decimals at most, so that output is stable and small. */
export const n = (x: number): string => String(Math.round(x * 100) / 100);

export interface Box {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

export const linear = (d0: number, d1: number, r0: number, r1: number) => (x: number): number => (d1 === d0 ? (r0 + r1) / 2 : r0 + ((x - d0) / (d1 - d0)) * (r1 - r0));
export const log10 = (d0: number, d1: number, r0: number, r1: number) => {
  const l = linear(Math.log10(d0), Math.log10(d1), r0, r1);
  return (x: number): number => l(Math.log10(Math.max(d0, x)));
};

/** "Nice" tick values covering [lo, hi], about `count` of them. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.round(t / step) * step);
  return out;
}

export function svgOpen(box: Box, label: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${box.width} ${box.height}" width="${box.width}" height="${box.height}" role="img" aria-label="${esc(label)}" font-family="system-ui, sans-serif" font-size="12">`;
}

/** Horizontal grid lines with labels on the left. */
export function yAxis(box: Box, values: readonly number[], y: (v: number) => number, format: (v: number) => string, title: string): string {
  const lines = values.map(
    (v) => `<line x1="${box.left}" x2="${box.width - box.right}" y1="${n(y(v))}" y2="${n(y(v))}" stroke="#e3e6ea"/><text x="${box.left - 6}" y="${n(y(v) + 4)}" text-anchor="end" fill="#555">${esc(format(v))}</text>`,
  );
  const mid = (box.top + box.height - box.bottom) / 2;
  return `${lines.join('')}<text transform="translate(14 ${n(mid)}) rotate(-90)" text-anchor="middle" fill="#333">${esc(title)}</text>`;
}

/** Vertical grid lines with labels below. */
export function xAxis(box: Box, values: readonly number[], x: (v: number) => number, format: (v: number) => string, title: string): string {
  const bottom = box.height - box.bottom;
  const lines = values.map(
    (v) => `<line x1="${n(x(v))}" x2="${n(x(v))}" y1="${box.top}" y2="${bottom}" stroke="#e3e6ea"/><text x="${n(x(v))}" y="${bottom + 16}" text-anchor="middle" fill="#555">${esc(format(v))}</text>`,
  );
  return `${lines.join('')}<text x="${n((box.left + box.width - box.right) / 2)}" y="${box.height - 6}" text-anchor="middle" fill="#333">${esc(title)}</text>`;
}

/** One colour per policy, fixed by its position in the report. */
export const palette = ['#1b6ac9', '#2e9e5b', '#8a5cd1', '#d9822b', '#c23b3b', '#6b7785', '#111111', '#0f9ba8', '#b8860b'];
