/**
 * The rules of dual-source data, in one place: which report is whose twin, which price a repeat keeps,
 * and how long a pair is handed again to a redelivered report (and what re-arms it). The in-memory buffer,
 * the Redis buffer and the timeline all decide with these (pure functions, no state).
 */

/** Reports of opposite roles `distance` seconds apart may be twins (one observation) when within the tolerance. */
export const withinTolerance = (distance: number, tolerance: number): boolean => distance <= tolerance;

/**
 * Is a candidate at `timestamp`, `distance` seconds away, a better twin than the best so far? The nearer one
 * wins; at equal distance the earlier timestamp, so the choice never depends on the order candidates are seen.
 * With no best yet, pass `Infinity` as `bestDistance`.
 */
export const nearerTwin = (distance: number, timestamp: number, bestDistance: number, bestTimestamp: number): boolean =>
  distance < bestDistance || (distance === bestDistance && timestamp < bestTimestamp);

/** Does a repeat of one (series, role, timestamp) at `price` replace the one held at `heldPrice`? Only a lower price does. */
export const repeatReplaces = (price: number, heldPrice: number): boolean => price < heldPrice;

/**
 * Is a pair made (or last re-armed, see {@link pairRearmedAt}) at `pairedAt` (ms) still handed again to a
 * redelivered report at `now`? For the window of `pairedAt` and the next one (one to two windows).
 */
export const pairStillHonoured = (pairedAt: number, now: number, windowMs: number): boolean => Math.floor(pairedAt / windowMs) >= Math.floor(now / windowMs) - 1;

/**
 * The time a pair counts from once it was handed again at `now`: a redelivery re-arms it, so a pair stays
 * remembered for as long as its report keeps coming back (a reply lost again and again, retried for longer
 * than a window). Never earlier than before, whatever order the callers' clocks arrive in.
 */
export const pairRearmedAt = (pairedAt: number, now: number): number => Math.max(pairedAt, now);
