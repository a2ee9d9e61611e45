import type { EventEmitter } from 'eventemitter3';
import type { SefConfig } from '../config/index.js';
import type { SefEvents } from '../events/event-map.js';
import type { Clock, TimerHandle } from '../ports/clock.js';
import type { PriceStore } from '../ports/price-store.js';

export interface SweeperDeps {
  readonly clock: Clock;
  readonly config: SefConfig;
  readonly prices: PriceStore;
  readonly events: EventEmitter<SefEvents>;
  /** ms between sweeps. */
  readonly interval: number;
  /** The work of one sweep besides the alert check (release expired reports, drain the queue). */
  readonly work: () => Promise<void>;
  /** Work done once per `cleanupInterval` (unused replicas, missing standbys, replica alerts). */
  readonly housekeeping?: () => Promise<void>;
}

const dayMs = 86_400_000;

/**
 * The background sweep: every `interval` ms through the clock, runs the work and, once per
 * `cleanupInterval`, checks today's share of interpolated points. Failures become `error` events; the
 * sweep goes on. `stop` waits for a sweep in progress.
 */
export class Sweeper {
  #timer: TimerHandle | undefined;
  #running = false;
  #current: Promise<void> = Promise.resolve();
  #lastAlertCheck = -Infinity;
  #alerting = false;
  #busy = false;

  constructor(private readonly deps: SweeperDeps) {}

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#current;
  }

  /** One sweep now (also what the timer runs). Never rejects: failures go to `error`. */
  sweep(): Promise<void> {
    this.#busy = true;
    const run = this.#current.then(() => this.#sweepOnce()).finally(() => {
      if (this.#current === run) this.#busy = false;
    });
    this.#current = run;
    return run;
  }

  #schedule(): void {
    this.#timer = this.deps.clock.setTimer(this.deps.interval, () => {
      if (this.#running) this.#schedule();
      // A sweep still running when the next is due makes the next one wait its turn instead of piling up.
      if (!this.#busy) void this.sweep();
    });
  }

  async #sweepOnce(): Promise<void> {
    const { events, clock, config } = this.deps;
    try {
      await this.deps.work();
    } catch (error) {
      events.emit('error', { error, context: 'sweep' });
    }
    const now = clock.now();
    if (now - this.#lastAlertCheck < config.cleanupInterval * 1000) return;
    this.#lastAlertCheck = now;
    try {
      await this.#checkInterpolationRate(now);
    } catch (error) {
      events.emit('error', { error, context: 'interpolation alert check' });
    }
    try {
      await this.deps.housekeeping?.();
    } catch (error) {
      events.emit('error', { error, context: 'replica housekeeping' });
    }
  }

  /** Alerts when today's share of interpolated points goes above `interpolatedShareAlert`, once per crossing. */
  async #checkInterpolationRate(now: number): Promise<void> {
    const { prices, config, events } = this.deps;
    const dayStart = Math.floor(now / dayMs) * dayMs;
    const today = new Date(dayStart).toISOString().slice(0, 10);
    const day = (await prices.dataQualityByDay(dayStart / 1000)).find((d) => d.date === today);
    const share = day && day.totalPoints > 0 ? day.interpolated / day.totalPoints : 0;
    const above = share > config.interpolatedShareAlert;
    if (above && !this.#alerting) {
      events.emit('alert', {
        kind: 'high_interpolation_rate',
        message: `${(share * 100).toFixed(1)} % of today's points are interpolated (threshold ${(config.interpolatedShareAlert * 100).toFixed(1)} %): check agent connectivity`,
        at: now,
        details: { date: today, totalPoints: day?.totalPoints ?? 0, interpolated: day?.interpolated ?? 0, share },
      });
    }
    this.#alerting = above;
  }
}
