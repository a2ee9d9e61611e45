import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { errorBody } from './http-error.js';

/**
 * Longest path parameter the router takes. Above the longest id (128) so that an id of 129 to 512
 * characters is a 400 naming the limit; beyond it Fastify answers 414 (in the API's format, below).
 */
export const maxParamLength = 512;

/** The router's own errors (a malformed URL, a path parameter over {@link maxParamLength}) in the API's format. */
export const frameworkErrors: NonNullable<FastifyServerOptions['frameworkErrors']> = (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return reply.code(414).send(errorBody('URI_TOO_LONG', `A path parameter is longer than ${maxParamLength} characters`));
  }
  if (error.code === 'FST_ERR_BAD_URL') return reply.code(400).send(errorBody('BAD_REQUEST', 'The URL is malformed'));
  return reply.code(500).send(errorBody('INTERNAL', 'Internal server error'));
};

/** Status and code of the errors Node's HTTP parser raises before any route runs. */
function clientErrorStatus(error: NodeJS.ErrnoException): [number, string, string] {
  if (error.code === 'HPE_HEADER_OVERFLOW') return [431, 'HEADERS_TOO_LARGE', 'The request headers are too large'];
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'REQUEST_TIMEOUT', 'The request took too long to arrive'];
  return [400, 'BAD_REQUEST', 'The request is not valid HTTP'];
}

/**
 * Answers a connection whose request Node could not parse (headers too large: 431; garbage: 400) in the
 * API's format, like Fastify's default handler otherwise: nothing is written to a socket already gone.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] = clientErrorStatus(error);
  const body = JSON.stringify(errorBody(code, message));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${code.replaceAll('_', ' ')}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }
  socket.destroy(error);
}
