/** Rounds a price to `decimals` places (half up), so averaged and interpolated values are exact and portable. */
export function roundPrice(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** `|primary − replica| / primary`: the spec's relative difference, measured against the primary. */
export function relativeDifference(primary: number, replica: number): number {
  return Math.abs(primary - replica) / primary;
}
