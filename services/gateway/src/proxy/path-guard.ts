// The gateway never routes /internal/*. Explicit routes already keep it out; this guard also turns away paths that a
// less careful hop (a load balancer, a service's own router) might normalise into an internal one.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '@shipshape/platform/errors';

const INTERNAL = /^\/internal(?:\/|$)/i;
/** Encoded dots, slashes, backslashes and percent signs (double encoding) never appear in a public path: ids are UUIDs. */
const ENCODED_TRICK = /%2e|%2f|%5c|%25/i;

/** Anything decoding or normalising could change: a percent sign, a backslash, a dot segment or a double slash. */
const NEEDS_NORMALISING = /[%\\]|\/\.|\/\//;

/** True when a request path is internal, or could become internal or escape its route once decoded or normalised. */
export function isForbiddenPath(url: string): boolean {
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  // Most paths are plain: decoding and normalising would leave them as they are.
  if (!NEEDS_NORMALISING.test(path)) return INTERNAL.test(path);
  if (ENCODED_TRICK.test(path) || path.includes('\\')) return true;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return true;
  }
  if (decoded.split('/').some((segment) => segment === '.' || segment === '..')) return true;
  return INTERNAL.test(decoded.replace(/\/{2,}/g, '/'));
}

/** An onRequest hook (a callback one: it runs on every request, and an async hook costs a promise each time). */
export function rejectForbiddenPaths(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  if (!isForbiddenPath(request.url)) {
    done();
    return;
  }
  request.log.info({ path: request.url.split('?', 1)[0] }, 'refused a path that is internal or not normalised');
  sendProblem(reply, 404, 'not-found', 'Not Found', `no route for ${request.method} ${request.url.split('?', 1)[0]}`);
}
