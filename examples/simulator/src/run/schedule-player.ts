import type { FakeClock } from '@sef/core';
import type { World, WorldEvent } from '../world/world.js';

export interface ScheduleHandlers {
  /** A world event, at its time on the clock. */
  onEvent(event: WorldEvent, later: (at: number, fn: () => void) => void): void;
  /** A report tick (every `stepMs` from the world's start, before its end). */
  onTick(tick: number): void;
  onProgress?: ((done: number) => void) | undefined;
}

/**
 * Plays the world's event schedule on the clock in time order: world events, work the handlers put off
 * (`later`), and report ticks. The simulator's runs and the benchmark's baseline replay both use it.
 */
export async function playSchedule(world: World, clock: FakeClock, stepMs: number, handlers: ScheduleHandlers): Promise<void> {
  const deferred: { at: number; seq: number; fn: () => void }[] = [];
  let seq = 0;
  const later = (at: number, fn: () => void) => {
    deferred.push({ at, seq: seq++, fn });
    deferred.sort((a, b) => a.at - b.at || a.seq - b.seq);
  };
  const events = world.events;
  let next = 0;
  for (let tick = world.start; tick <= world.end; tick += stepMs) {
    for (;;) {
      const dueEvent = next < events.length && events[next]!.at <= tick ? events[next]!.at : Infinity;
      const dueLater = deferred[0] && deferred[0].at <= tick ? deferred[0].at : Infinity;
      if (dueEvent === Infinity && dueLater === Infinity) break;
      await clock.advanceTo(Math.min(dueEvent, dueLater));
      if (dueEvent <= dueLater) handlers.onEvent(events[next++]!, later);
      else deferred.shift()!.fn();
    }
    await clock.advanceTo(tick);
    if (tick === world.end) break;
    handlers.onTick(tick);
    handlers.onProgress?.((tick - world.start) / (world.end - world.start));
  }
  await clock.advanceTo(world.end);
}
