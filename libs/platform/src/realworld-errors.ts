// Under /api the public contract is the RealWorld one (conduit), also for answers the platform or the gateway make
// themselves (a URL that does not decode, rate limit, body too large, unknown route, conduit unreachable):
// `{"errors": {"body": [detail]}}`, with 422 where the problem says 400. Used as an onSend hook by the gateway and
// by conduit. The answers are meant for browser apps on other origins, so they are not limited to same-origin use.
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The RealWorld API lives under this prefix. */
export const REALWORLD_PREFIX = '/api';
/** Whether a path or a request URL (its query string included) is under the prefix: no copy is made, as it runs on every answer. */
export function isRealWorldPath(url: string): boolean {
  if (!url.startsWith(REALWORLD_PREFIX)) return false;
  const next = url[REALWORLD_PREFIX.length];
  return next === undefined || next === '/' || next === '?';
}

export function realWorldErrors(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (err: Error | null, payload?: unknown) => void,
): void {
  if (!isRealWorldPath(request.url)) {
    done(null, payload);
    return;
  }
  reply.header('cross-origin-resource-policy', 'cross-origin');
  if (!String(reply.getHeader('content-type') ?? '').startsWith('application/problem+json')) {
    done(null, payload);
    return;
  }
  let detail = 'request failed';
  try {
    const problem = JSON.parse(String(payload)) as { detail?: unknown; title?: unknown };
    detail = String(problem.detail ?? problem.title ?? detail);
  } catch {
    // Not JSON after all: keep the generic message.
  }
  // Input the gateway refuses before conduit sees it (malformed JSON, too deep) is invalid input: RealWorld says 422.
  if (reply.statusCode === 400) reply.code(422);
  reply.header('content-type', 'application/json; charset=utf-8');
  done(null, JSON.stringify({ errors: { body: [detail] } }));
}
