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
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

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
      const retryable = !(error instanceof StorageError) || error.retryable;
      const status = statusOfCode[error.code] ?? 500;
      if (status >= 500) request.log.error({ err: error }, 'request failed in a dependency');
      if (status === 503 && retryable) void reply.header('retry-after', '1');
      return reply.code(status).send(errorBody(error.code, error.message, details));
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
