// One upstream service as the proxy sees it: the platform's service client (deadline, jittered retries for
// idempotent methods only, circuit breaker, metrics), so every proxied request passes through the same policies as
// the calls between services. The services answer small JSON documents, so an answer is read whole and relayed with
// a Content-Length: one write to the client, no stream on either side.
import { SpanStatusCode } from '@opentelemetry/api';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { Problem } from '@shipshape/platform/errors';
import type { Metrics } from '@shipshape/platform/metrics';
import type { Tracing } from '@shipshape/platform/tracing';
import { type Answer, type BreakerOptions, DependencyFailure, ServiceClient } from '@shipshape/platform/http-client';
import { checkedJson } from './json-body.ts';

export interface UpstreamOptions {
  /** Metric label and name in messages: users, products, orders. */
  target: string;
  baseUrl: string;
  /** Deadline for the whole proxied request, retries and response body included. */
  timeoutMs: number;
  retries: number;
  breaker: BreakerOptions;
}

/** Request headers a service needs; everything else (cookies, hop-by-hop, client-made forwarding headers) stays here. */
const FORWARDED_REQUEST_HEADERS = [
  'accept',
  'authorization',
  'content-type',
  'idempotency-key',
  'user-agent',
  // CORS (the RealWorld API answers browsers on other origins; the service decides what it allows).
  'origin',
  'access-control-request-method',
  'access-control-request-headers',
];
/**
 * Response headers not relayed: hop-by-hop ones (RFC 9110 §7.6.1) describe the upstream connection, not the answer,
 * and the gateway sets its own Content-Length for the body it sends. The upstream's request id and security headers
 * are replaced by the gateway's own.
 */
const NOT_RELAYED = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'date',
]);

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class Upstream {
  readonly target: string;
  readonly baseUrl: string;
  readonly client: ServiceClient;
  readonly #tracing: Tracing;

  constructor(opts: UpstreamOptions, deps: { metrics: Metrics; tracing: Tracing; log: FastifyBaseLogger }) {
    this.target = opts.target;
    this.baseUrl = opts.baseUrl;
    this.#tracing = deps.tracing;
    // A 503 is the upstream answering fast that one of *its* dependencies is down: counting it would let a products
    // outage open the gateway's breaker to orders and cut off reads that still work. It is still retried.
    this.client = new ServiceClient({ ...opts, countedStatuses: [502, 504], connections: 128 }, deps.metrics, {
      log: deps.log,
    });
  }

  /**
   * Sends `request` on to this service at `path` (its query string appended) and answers `reply` with what the
   * service said; a service that gave no usable answer becomes a 502, 503 or 504 problem.
   */
  async forward(request: FastifyRequest, reply: FastifyReply, path: string): Promise<FastifyReply> {
    const method = request.method;
    const query = request.url.indexOf('?');
    const target = query < 0 ? path : `${path}${request.url.slice(query)}`;
    const span = this.#tracing.startClientSpan(request.span, `${method} ${this.target}`, {
      'http.request.method': method,
      'server.address': this.target,
      'url.path': path,
    });
    // JSON arrives as checked text (json-body.ts) and leaves as received.
    const body = typeof request.body === 'string' && checkedJson.has(request) ? request.body : null;
    let answer: Answer;
    try {
      answer = await this.client.send({
        operation: 'proxy',
        // Fastify answers HEAD as its GET route without the body, with that body's Content-Length: so the service is
        // asked the GET.
        method: method === 'HEAD' ? 'GET' : method,
        path: target,
        headers: this.#forwardedHeaders(request, span),
        body,
        idempotent: IDEMPOTENT_METHODS.has(method),
      });
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      span.end();
      throw this.#problemFor(err as Error);
    }
    span.setAttribute('http.response.status_code', answer.statusCode);
    if (answer.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    reply.code(answer.statusCode);
    for (const name in answer.headers) {
      const value = answer.headers[name];
      if (value !== undefined && !NOT_RELAYED.has(name)) reply.header(name, value);
    }
    return reply.send(answer.body);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  #forwardedHeaders(request: FastifyRequest, span: Parameters<Tracing['inject']>[0]): Record<string, string> {
    const given = request.headers;
    const out: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = given[name];
      if (typeof value === 'string') out[name] = value;
    }
    out['x-request-id'] = request.id;
    out['x-forwarded-for'] = request.ip;
    out['x-forwarded-proto'] = request.protocol;
    return this.#tracing.inject(span, out);
  }

  #problemFor(error: Error): Problem {
    const failure =
      error instanceof DependencyFailure ? error : error.cause instanceof DependencyFailure ? error.cause : undefined;
    if (failure?.kind === 'timeout') {
      return new Problem(504, 'upstream-timeout', 'Gateway Timeout', failure.message, { dependency: this.target });
    }
    if (failure) {
      return new Problem(
        503,
        'dependency-unavailable',
        'Service Unavailable',
        `${failure.message}; retry later`,
        { dependency: this.target },
        { 'retry-after': String(failure.retryAfterSeconds) },
      );
    }
    return new Problem(
      502,
      'bad-gateway',
      'Bad Gateway',
      `${this.target} service sent an answer the gateway could not relay`,
      { dependency: this.target },
    );
  }
}
