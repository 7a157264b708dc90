// Under /api the public contract is the RealWorld one, also for answers the gateway makes itself (rate limit,
// body too large, unknown route, conduit unreachable): `{"errors": {"body": [detail]}}` with the same status.
// Its answers are meant for browser apps on other origins, so they are not limited to same-origin embedding.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isRealWorldPath } from './public-routes.ts';

export function realWorldErrors(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (err: Error | null, payload?: unknown) => void,
): void {
  if (!isRealWorldPath(request.url.split('?', 1)[0] ?? '')) {
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
