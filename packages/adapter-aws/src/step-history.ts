import type { PriceChange } from '@sef/core';

/**
 * Normalises spot price history into the step function the API describes: oldest first, one point
 * per timestamp, and only real changes (a repeated price carries nothing new). Nothing is interpolated.
 */
export function toStepFunction(points: readonly PriceChange[]): PriceChange[] {
  const sorted = [...points].sort((a, b) => a.time - b.time);
  const out: PriceChange[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    // EC2 may list the same moment twice (one per product variant): keep the later entry's price.
    if (last && last.time === p.time) out.pop();
    const before = out[out.length - 1];
    if (!before || before.price !== p.price) out.push(p);
  }
  return out;
}

/** The price in force at `time`: the last change at or before it (carried forward), or undefined before the first. */
export function priceAt(history: readonly PriceChange[], time: number): number | undefined {
  let lo = 0;
  let hi = history.length - 1;
  let found: number | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const p = history[mid]!;
    if (p.time <= time) {
      found = p.price;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Samples a step-function history every `step` ms over `[from, to]`, carrying each price forward.
 * This is the series volatility is computed on: values are only ever prices EC2 reported.
 */
export function sampleStepFunction(history: readonly PriceChange[], from: number, to: number, step: number): PriceChange[] {
  if (!(step > 0)) throw new RangeError('step must be positive');
  const out: PriceChange[] = [];
  // Sample times only increase: walk the history once instead of searching it for every sample.
  let next = 0;
  let price: number | undefined;
  for (let t = from; t <= to; t += step) {
    while (next < history.length && history[next]!.time <= t) price = history[next++]!.price;
    if (price !== undefined) out.push({ time: t, price });
  }
  return out;
}
