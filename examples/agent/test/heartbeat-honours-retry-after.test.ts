import { createFakeClock } from '@sef/core';
import { expect, it } from 'vitest';
import { startHeartbeat } from '../src/heartbeat.js';
import type { Delivery, SefHttp } from '../src/http.js';
import { captureLog } from './support/agent-setup.js';

it('a heartbeat answered 503 with a Retry-After longer than the interval waits that long; a shorter one keeps the interval', async () => {
  const clock = createFakeClock(0);
  const answers: Delivery[] = [
    { kind: 'unavailable', reason: 'HTTP 503', retryAfterMs: 90_000 },
    { kind: 'unavailable', reason: 'HTTP 429', retryAfterMs: 1_000 },
    { kind: 'acknowledged', status: 200, body: { modes: {} } },
  ];
  const beats: number[] = [];
  const http: SefHttp = {
    async request() {
      beats.push(clock.now());
      return answers[Math.min(beats.length - 1, answers.length - 1)]!;
    },
  };
  const stop = startHeartbeat({ http, agentId: 'a', instanceId: 'i-1', role: 'primary', isReady: () => false, clock, log: captureLog().log, intervalMs: 30_000 });
  await clock.advance(0);
  await clock.advance(89_999);
  expect(beats).toEqual([0]);
  await clock.advance(1);
  expect(beats).toEqual([0, 90_000]);
  await clock.advance(30_000);
  expect(beats).toEqual([0, 90_000, 120_000]);
  stop();
});
