// Errors Fastify and Node answer on their own, before any route or hook runs (a URL that does not decode, a path
// parameter over the length limit, headers too large, a request that is not HTTP), answered like every other error:
// RFC 9457 problem+json with a request id and the security headers, never echoing what the client sent.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_BASE } from './errors.ts';
import { SECURITY_HEADERS } from './security-headers.ts';
import { isRealWorldPath } from './realworld-errors.ts';

const CODES: Record<number, string> = {
  400: 'bad-request',
  408: 'request-timeout',
  413: 'payload-too-large',
  414: 'uri-too-long',
  431: 'request-header-fields-too-large',
};

function problemJson(status: number, detail: string): string {
  return JSON.stringify({
    type: PROBLEM_BASE + (CODES[status] ?? 'bad-request'),
    title: STATUS_CODES[status] ?? 'Bad Request',
    status,
    detail,
  });
}

/** Fastify's `frameworkErrors`: a URL that does not decode (400) or a path parameter over the limit (414). */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode === 414 ? 414 : 400;
  const detail =
    status === 414
      ? 'a path segment is longer than this API accepts'
      : 'the request URL is not valid (it does not decode)';
  if (isRealWorldPath(request.url)) {
    // The RealWorld API (conduit, under /api) answers in its own error format; invalid input is 422 there.
    reply
      .code(status === 400 ? 422 : status)
      .headers({ ...SECURITY_HEADERS, 'x-request-id': request.id })
      .type('application/json; charset=utf-8')
      .send(JSON.stringify({ errors: { body: [detail] } }));
    return;
  }
  reply
    .code(status)
    .headers({ ...SECURITY_HEADERS, 'x-request-id': request.id })
    .type('application/problem+json')
    .send(problemJson(status, detail));
}

/** Fastify's `clientErrorHandler`: what Node's HTTP parser refuses, written straight to the socket. */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? 408
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? 431
        : err.code === 'HPE_URI_TOO_LONG'
          ? 414
          : 400;
  const detail =
    status === 408
      ? 'the request did not arrive in time'
      : status === 431
        ? 'the request headers are larger than this API accepts'
        : status === 414
          ? 'the request URL is longer than this API accepts'
          : 'the request is not valid HTTP';
  const body = problemJson(status, detail);
  if (socket.writable) {
    const headers = {
      ...SECURITY_HEADERS,
      'x-request-id': randomUUID(),
      'content-type': 'application/problem+json',
      'content-length': String(Buffer.byteLength(body)),
      connection: 'close',
    };
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n${body}`,
    );
  }
  socket.destroy();
}
