import type { SefEvents } from '../events/event-map.js';

/** Emits one of SEF's typed events (the `Sef` facade passes its EventEmitter's `emit`). */
export type SefEmit = <K extends keyof SefEvents>(event: K, ...args: Parameters<SefEvents[K]>) => void;
