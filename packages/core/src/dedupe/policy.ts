import type { SefConfig } from '../config/index.js';
import type { BufferPolicy } from '../ports/dedupe-buffer.js';

/** The buffer's pairing and expiry rules, from the configuration (`dataRetentionWindow` is seconds, the window ms). */
export function bufferPolicy(config: Pick<SefConfig, 'dualSourceTimeTolerance' | 'dataRetentionWindow'>): BufferPolicy {
  return { timeTolerance: config.dualSourceTimeTolerance, windowMs: config.dataRetentionWindow * 1000 };
}
