import type { Issue } from '../errors/index.js';

/** The mutable counters behind `Sef.stats()`. */
export class Counters {
  accepted = 0;
  rejected = 0;
  readonly rejectedByReason: Record<string, number> = Object.create(null) as Record<string, number>;
  verified = 0;
  averaged = 0;
  interpolated = 0;
  gapsDetected = 0;
  gapsFilled = 0;
  gapsUnfillable = 0;
  gapsRetracted = 0;

  reject(issues: readonly Issue[]): void {
    this.rejected++;
    const seen = new Set<string>();
    for (const i of issues) {
      if (seen.has(i.code)) continue;
      seen.add(i.code);
      this.rejectedByReason[i.code] = (this.rejectedByReason[i.code] ?? 0) + 1;
    }
  }
}
