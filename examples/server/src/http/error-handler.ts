import { SefError, ValidationError, type SefErrorCode, StorageError } from '@sef/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { errorBody, HttpError, type ErrorDetail } from './http-error.js';

/** HTTP status of each core error code (API.md: 409 conflicts, 503 a dependency is down). */
const statusOfCode: Record<SefErrorCode, number> = {
  VALIDATION: 400,
  CONFIG: 500,
  CONFLICT: 409,
  NOT_FOUND: 404,
  STORAGE: 503,
  PROVIDER: 503,
  CAPACITY: 503,
  POOL_UNUSABLE: 503,
  DEADLINE_EXCEEDED: 503,
  STALE_FENCING_TOKEN: 409,
  UNAVAILABLE: 503,
};

/** Fastify's own 4xx errors (malformed JSON, wrong content type, body too large) under stable codes. */
const codeOfFastifyStatus: Record<number, string> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  431: 'HEADERS_TOO_LARGE',
  429: 'RATE_LIMITED',
};

/**
 * What a client reads for a 5xx: a fixed text per code, never the error's own message, which may quote a
 * driver (Postgres, Redis, the AWS SDK). The whole error is logged.
 */
const messageOf5xx: Partial<Record<SefErrorCode, string>> = {
  STORAGE: 'The storage failed; retry later',
  UNAVAILABLE: 'A dependency is unavailable; retry later',
  PROVIDER: 'The cloud provider failed; retry later',
  CAPACITY: 'No capacity is available right now; retry later',
  POOL_UNUSABLE: 'No pool the cloud provider can use is available; retry later',
  DEADLINE_EXCEEDED: 'The operation ran out of time; retry later',
};

/** Seconds a client waits before retrying a 503. */
export const retryAfterSeconds = 1;

function zodDetails(error: FastifyError): ErrorDetail[] {
  const context = error.validationContext ?? 'body';
  return (error.validation ?? []).map((v) => {
    const path = `${context}${v.instancePath === '/' ? '' : v.instancePath.replaceAll('/', '.')}`;
    return { path, code: v.keyword, message: v.message ?? 'is invalid' };
  });
}

/**
 * Renders every error as `{"error":{code,message,details}}`. Bad input is never a 500: schema errors are
 * 400 with every problem, the core's errors keep their meaning, and only a bug answers 500 (logged).
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const details = zodDetails(error);
      return reply.code(400).send(errorBody('VALIDATION', `Invalid request: ${details.length} problem(s)`, details));
    }
    if (error instanceof HttpError) return reply.code(error.statusCode).headers(error.headers).send(errorBody(error.code, error.message, error.details));
    if (error instanceof SefError) {
      const details = error instanceof ValidationError ? error.issues : [];
      // A storage error that would fail the same way again is a bug (input that passed validation but
      // not the store), not an outage: 500, and the fuzzer looks for them.
      const status = error instanceof StorageError && !error.retryable ? 500 : (statusOfCode[error.code] ?? 500);
      if (status < 500) return reply.code(status).send(errorBody(error.code, error.message, details));
      request.log.error({ err: error }, 'request failed in a dependency');
      if (status !== 503) return reply.code(status).send(errorBody('INTERNAL', 'Internal server error'));
      return reply.header('retry-after', String(retryAfterSeconds)).code(503).send(errorBody(error.code, messageOf5xx[error.code] ?? 'A dependency is unavailable; retry later'));
    }
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send(errorBody(codeOfFastifyStatus[status] ?? 'BAD_REQUEST', error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send(errorBody('INTERNAL', 'Internal server error'));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorBody('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0] ?? ''}`));
  });
}
