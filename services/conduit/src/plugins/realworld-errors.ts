// Errors under /api speak the RealWorld format, `{"errors": {"body": [...]}}` with 401/403/404/422, because every
// RealWorld client parses exactly that. The rest of the service (health, docs) keeps the platform's problem+json.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Problem, isUnavailableError } from '@shipshape/platform/errors';
import type { App } from '@shipshape/platform/service';

export class ApiError extends Error {
  readonly status: number;
  readonly messages: string[];
  readonly headers: Record<string, string>;
  constructor(status: number, messages: string[], headers: Record<string, string> = {}) {
    super(messages.join('; '));
    this.name = 'ApiError';
    this.status = status;
    this.messages = messages;
    this.headers = headers;
  }
}

export const unauthorized = (message = 'missing authorization credentials') =>
  new ApiError(401, [message], { 'www-authenticate': 'Token' });
export const forbidden = (message: string) => new ApiError(403, [message]);
export const notFound = (what: string) => new ApiError(404, [`${what} not found`]);
export const unprocessable = (...messages: string[]) => new ApiError(422, messages);

export function sendErrors(reply: FastifyReply, status: number, messages: string[]) {
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send({ errors: { body: messages } });
}

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** "user.email must match pattern ..." from an Ajv issue: the field as the client wrote it, then what is wrong. */
function describe(v: ValidationIssue, context: string | undefined): string {
  const path = (v.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const missing = typeof v.params?.missingProperty === 'string' ? v.params.missingProperty : undefined;
  if (missing) return `${[path, missing].filter(Boolean).join('.')} can't be blank`;
  const field = path || (context === 'body' ? 'body' : context) || 'request';
  return `${field} ${v.message ?? 'is invalid'}`;
}

/** Installs the RealWorld error handler and not-found handler on the encapsulated /api context. */
export function useRealWorldErrors(app: App): void {
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    sendErrors(reply, 404, [`no route for ${request.method} ${request.url.split('?')[0]}`]),
  );
  app.setErrorHandler((err: FastifyError | ApiError, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof ApiError) {
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      return sendErrors(reply, err.status, err.messages);
    }
    // The platform's own refusals (its input guard, for one) carry a problem; under /api they speak RealWorld too.
    if (err instanceof Problem) {
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      if (err.status >= 500) request.log.warn({ err: { message: err.message, code: err.code } }, 'request failed');
      return sendErrors(reply, err.status === 400 ? 422 : err.status, [err.message]);
    }
    const fe = err as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
    if (fe.validation)
      return sendErrors(reply, 422, [...new Set(fe.validation.map((v) => describe(v, fe.validationContext)))]);
    if (isUnavailableError(err)) {
      request.log.warn({ err: { message: err.message, code: fe.code } }, 'dependency unavailable');
      reply.header('retry-after', '1');
      return sendErrors(reply, 503, ['a dependency is unavailable; retry later']);
    }
    const status =
      typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 600 ? fe.statusCode : 500;
    // A body that is not JSON is invalid input like any other: RealWorld answers 422.
    if (status === 400) return sendErrors(reply, 422, [err.message]);
    if (status < 500) return sendErrors(reply, status, [err.message]);
    request.log.error({ err }, 'unhandled error');
    return sendErrors(reply, 500, ['an unexpected error occurred; it has been logged']);
  });
}
