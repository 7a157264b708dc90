// RFC 9457 problem details: one shape for every error any service returns.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isUnavailableError } from './db-errors.ts';

export const PROBLEM_BASE = 'https://shipshape.dev/problems/';

export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

/** An error that carries its own problem+json answer. */
export class Problem extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    title: string,
    detail: string,
    extra: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'Problem';
    this.status = status;
    this.code = code;
    this.title = title;
    this.extra = extra;
    this.headers = headers;
  }

  /** The problem+json document this problem answers with. */
  body(instance?: string): ProblemBody {
    return {
      type: PROBLEM_BASE + this.code,
      title: this.title,
      status: this.status,
      detail: this.message,
      ...(instance === undefined ? {} : { instance }),
      ...this.extra,
    };
  }
}

export const notFound = (what: string, id: string) =>
  new Problem(404, 'not-found', 'Not Found', `${what} ${id} does not exist`);
export const conflict = (code: string, detail: string, extra: Record<string, unknown> = {}) =>
  new Problem(409, code, 'Conflict', detail, extra);
export const unprocessable = (code: string, detail: string, extra: Record<string, unknown> = {}) =>
  new Problem(422, code, 'Unprocessable Content', detail, extra);
export const unavailable = (detail: string, retryAfterSeconds = 1, extra: Record<string, unknown> = {}) =>
  new Problem(503, 'dependency-unavailable', 'Service Unavailable', detail, extra, {
    'retry-after': String(retryAfterSeconds),
  });

/** Whether `err` is a dependency's failure as a whole (unreachable, timed out, overloaded, circuit open): `unavailable`. */
export const isDependencyUnavailable = (err: unknown): boolean =>
  err instanceof Problem && err.code === 'dependency-unavailable';

const MAX_ECHO = 200;

/** The request path (no query), cut short: a problem never echoes a long URL back. */
export function instanceOf(reply: FastifyReply): string {
  const path = (reply.request.url ?? '').split('?')[0] ?? '';
  return path.length > MAX_ECHO ? `${path.slice(0, MAX_ECHO)}…` : path;
}

export function sendProblem(
  reply: FastifyReply,
  status: number,
  code: string,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
) {
  const body: ProblemBody = { type: PROBLEM_BASE + code, title, status, detail, instance: instanceOf(reply), ...extra };
  return reply.code(status).type('application/problem+json').send(body);
}

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function fieldOf(v: ValidationIssue, context: string | undefined): string {
  const path = (v.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const missing = typeof v.params?.missingProperty === 'string' ? v.params.missingProperty : undefined;
  const extra = typeof v.params?.additionalProperty === 'string' ? v.params.additionalProperty : undefined;
  const leaf = missing ?? extra;
  const full = [path, leaf].filter(Boolean).join('.');
  return [context, full].filter(Boolean).join('.') || (context ?? 'request');
}

export { isUnavailableError } from './db-errors.ts';

export default fp(
  async function problemPlugin(app: FastifyInstance) {
    app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
      sendProblem(reply, 404, 'not-found', 'Not Found', `no route for ${request.method} ${instanceOf(reply)}`),
    );
    app.setErrorHandler((err: FastifyError | Problem, request: FastifyRequest, reply: FastifyReply) => {
      if (err instanceof Problem) {
        for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
        if (err.status >= 500) request.log.warn({ err: { message: err.message, code: err.code } }, 'request failed');
        return sendProblem(reply, err.status, err.code, err.title, err.message, err.extra);
      }
      const fe = err as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
      if (fe.validation) {
        const errors = fe.validation.map((v) => ({
          field: fieldOf(v, fe.validationContext),
          message: v.message ?? 'is invalid',
        }));
        return sendProblem(
          reply,
          400,
          'validation-error',
          'Bad Request',
          `request ${fe.validationContext ?? ''} is invalid: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`.replace(
            '  ',
            ' ',
          ),
          { errors },
        );
      }
      if (isUnavailableError(err)) {
        request.log.warn({ err: { message: err.message, code: fe.code } }, 'dependency unavailable');
        reply.header('retry-after', '1');
        return sendProblem(
          reply,
          503,
          'dependency-unavailable',
          'Service Unavailable',
          'a dependency is unavailable; retry later',
        );
      }
      const status =
        typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 600 ? fe.statusCode : 500;
      if (status < 500) {
        const code =
          status === 413
            ? 'payload-too-large'
            : status === 408
              ? 'request-timeout'
              : status === 415
                ? 'unsupported-media-type'
                : status === 429
                  ? 'too-many-requests'
                  : 'bad-request';
        const title =
          status === 413
            ? 'Content Too Large'
            : status === 408
              ? 'Request Timeout'
              : status === 415
                ? 'Unsupported Media Type'
                : status === 429
                  ? 'Too Many Requests'
                  : 'Bad Request';
        return sendProblem(reply, status, code, title, err.message);
      }
      request.log.error({ err }, 'unhandled error');
      return sendProblem(
        reply,
        500,
        'internal',
        'Internal Server Error',
        'an unexpected error occurred; it has been logged',
      );
    });
  },
  { name: 'shipshape-problems', fastify: '5.x' },
);
