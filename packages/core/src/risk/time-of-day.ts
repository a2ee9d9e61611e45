/** An hour count (any whole number, negative too) as an hour of the day, 0–23. */
const hourOfDay = (h: number): number => ((h % 24) + 24) % 24;

/** The UTC hour of day (0–23) of a time in ms since the epoch. */
export const utcHour = (ms: number): number => hourOfDay(Math.floor(ms / 3_600_000));

export interface TimeOfDayOptions {
  /** α: how much the time of day counts against the plain count (0 = not at all, 1 = only it). */
  readonly weight: number;
  /** W: hours on each side of the current hour that make up "this time of day". */
  readonly windowHours: number;
  /** s: pseudo-interruptions spread evenly over the day, so a handful of events cannot make a pattern. */
  readonly prior: number;
}

/**
 * The interruption count the history factor uses, shaped by time of day:
 * `n_eff = (1 − α)·n + α·n·share / w`, with `n` the interruptions of the window (the sum of `byHour`),
 * `w = (2W + 1) / 24` the part of the day within W hours of the current UTC hour, `near` the interruptions
 * in those hours, and `share = (near + s·w) / (n + s)` their share, drawn towards the even `w` by `s`
 * pseudo-interruptions. Interruptions spread evenly over the day give `n` back, as does `α = 0`; a pool
 * that interrupts at this time of day counts more, one that interrupts at other times less. Another
 * interruption never lowers it.
 */
export function timeOfDayInterruptions(byHour: readonly number[], hourNow: number, options: TimeOfDayOptions): number {
  const { weight, windowHours, prior } = options;
  let n = 0;
  for (const c of byHour) n += c;
  if (n <= 0) return 0;
  let near = 0;
  for (let d = -windowHours; d <= windowHours; d++) near += byHour[hourOfDay(hourNow + d)] ?? 0;
  const w = (2 * windowHours + 1) / 24;
  const share = (near + prior * w) / (n + prior);
  return (1 - weight) * n + (weight * n * share) / w;
}
