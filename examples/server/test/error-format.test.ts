import { ConflictError, DeadlineExceededError, NotFoundError, StaleFencingTokenError, StorageError, UnavailableError, ValidationError } from '@sef/core';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { installErrorHandler } from '../src/http/error-handler.js';
import { HttpError } from '../src/http/http-error.js';

async function answer(error: Error) {
  const app = Fastify({ loggerInstance: pino({ level: 'silent' }) as FastifyBaseLogger });
  installErrorHandler(app);
  app.get('/', async () => {
    throw error;
  });
  const res = await app.inject({ method: 'GET', url: '/' });
  await app.close();
  return res;
}

describe('every error is {"error":{code,message,details}} with the status of API.md', () => {
  it.each([
    [new ConflictError('Manual mode active'), 409, 'CONFLICT', 'Manual mode active'],
    [new ConflictError('Auto mode active'), 409, 'CONFLICT', 'Auto mode active'],
    [new NotFoundError('Unknown agent a9'), 404, 'NOT_FOUND', 'Unknown agent a9'],
    [new UnavailableError('Redis is unavailable: connect ECONNREFUSED 127.0.0.1:6379'), 503, 'UNAVAILABLE', 'A dependency is unavailable; retry later'],
    [new StorageError('insert failed: invalid byte sequence for encoding "UTF8": 0x00', { retryable: true }), 503, 'STORAGE', 'The storage failed; retry later'],
    [new DeadlineExceededError('too late'), 503, 'DEADLINE_EXCEEDED', 'The operation ran out of time; retry later'],
    [new StaleFencingTokenError('stale'), 409, 'STALE_FENCING_TOKEN', 'stale'],
    [new HttpError(403, 'FORBIDDEN', 'not yours'), 403, 'FORBIDDEN', 'not yours'],
  ] as const)('%s → %i', async (error, status, code, message) => {
    const res = await answer(error);
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual({ error: { code, message, details: [] } });
  });

  it('a validation error lists every issue in details (400)', async () => {
    const issues = [
      { path: 'poolId', code: 'unknown_pool', message: 'is not a known pool' },
      { path: 'price', code: 'too_small', message: 'must be positive' },
    ];
    const res = await answer(new ValidationError('Bad report', issues));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'VALIDATION', details: issues } });
  });

  it('a dependency that is down says when to retry (503 with retry-after)', async () => {
    for (const error of [new UnavailableError('redis is down'), new StorageError('postgres is down', { retryable: true }), new DeadlineExceededError('slow')]) {
      const res = await answer(error);
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
    }
  });

  it('no driver message reaches a client: a store error that would fail again is a 500 without its text', async () => {
    const res = await answer(new StorageError('insert failed: value "\u0000" out of range for type timestamptz', { retryable: false }));
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error', details: [] } });
  });

  it("a bug is a 500 that does not leak the error's text", async () => {
    const res = await answer(new Error('secret connection string postgres://u:p@h'));
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error', details: [] } });
  });

  it('an HTTP error carries its headers (429 retry-after)', async () => {
    const res = await answer(new HttpError(429, 'RATE_LIMITED', 'slow down', [], { 'retry-after': '42' }));
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('42');
  });
});
