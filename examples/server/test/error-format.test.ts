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
    [new UnavailableError('redis is down'), 503, 'UNAVAILABLE', 'redis is down'],
    [new StorageError('postgres is down'), 503, 'STORAGE', 'postgres is down'],
    [new DeadlineExceededError('too late'), 503, 'DEADLINE_EXCEEDED', 'too late'],
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
    const res = await answer(new UnavailableError('redis is down'));
    expect(res.headers['retry-after']).toBe('1');
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
