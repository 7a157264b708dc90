// Calls between services: a deadline on every call, jittered retries for idempotent calls only,
// a circuit breaker per dependency, metrics and trace/request-id propagation. Policies come from cockatiel.
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { Agent, request } from 'undici';
import type { Metrics } from './metrics.ts';
import { statusClass } from './metrics.ts';
import type { Tracing } from './tracing.ts';
import { unavailable } from './errors.ts';

export interface ClientOptions {
  target: string;
  baseUrl: string;
  timeoutMs: number;
  retries: number;
  breakerThreshold: number;
  halfOpenAfterMs: number;
}

export interface CallContext {
  requestId?: string;
  span?: Span | undefined;
}

export interface CallOptions {
  operation: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  /** Only idempotent calls (reads, or writes keyed so a repeat changes nothing) are retried. */
  idempotent: boolean;
  ctx?: CallContext;
}

export interface CallResult<T> {
  status: number;
  body: T;
}

/** A response that says the dependency is failing (5xx): counted by the breaker, retried if idempotent. */
class UpstreamFailure extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`upstream answered ${status}`);
    this.status = status;
  }
}

import type { FastifyBaseLogger } from 'fastify';

const BREAKER_GAUGE: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.HalfOpen]: 1,
  [CircuitState.Open]: 2,
  [CircuitState.Isolated]: 2,
};
const BREAKER_NAME: Record<CircuitState, string> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'open',
};

/** Publishes a breaker's state as `circuit_breaker_state` / `circuit_breaker_transitions_total`, and logs changes. */
export function watchBreaker(
  breaker: CircuitBreakerPolicy,
  target: string,
  metrics: Metrics,
  log?: FastifyBaseLogger,
): void {
  metrics.breakerState.set({ target }, 0);
  for (const state of ['closed', 'half_open', 'open']) metrics.breakerTransitions.inc({ target, state }, 0);
  breaker.onStateChange((state) => {
    metrics.breakerState.set({ target }, BREAKER_GAUGE[state]);
    metrics.breakerTransitions.inc({ target, state: BREAKER_NAME[state] });
    log?.warn({ target, state: BREAKER_NAME[state] }, 'circuit breaker changed state');
  });
}

export class ServiceClient {
  readonly target: string;
  readonly breaker: CircuitBreakerPolicy;
  private readonly opts: ClientOptions;
  private readonly agent: Agent;
  private readonly metrics: Metrics;
  private readonly tracing: Tracing;
  private readonly operations = new Set<string>();

  constructor(opts: ClientOptions, metrics: Metrics, tracing: Tracing) {
    this.opts = opts;
    this.target = opts.target;
    this.metrics = metrics;
    this.tracing = tracing;
    this.agent = new Agent({
      keepAliveTimeout: 4000,
      connections: 64,
      connect: { timeout: Math.min(opts.timeoutMs, 1000) },
    });
    this.breaker = circuitBreaker(
      handleWhen(() => true),
      {
        halfOpenAfter: opts.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(opts.breakerThreshold),
      },
    );
    watchBreaker(this.breaker, opts.target, metrics);
  }

  async call<T>(o: CallOptions): Promise<CallResult<T>> {
    if (!this.operations.has(o.operation)) {
      this.operations.add(o.operation);
      this.metrics.clientRetries.inc({ target: this.target, operation: o.operation }, 0);
    }
    const endTimer = this.metrics.clientDuration.startTimer({ target: this.target, operation: o.operation });
    const span = this.tracing.startClientSpan(o.ctx?.span, `${o.method} ${this.target}.${o.operation}`, {
      'http.request.method': o.method,
      'server.address': this.target,
    });
    const retryPolicy = retry(
      handleWhen((e) => o.idempotent && !(e instanceof BrokenCircuitError)),
      {
        maxAttempts: o.idempotent ? this.opts.retries : 0,
        backoff: new ExponentialBackoff({ initialDelay: 25, maxDelay: 400 }),
      },
    );
    retryPolicy.onRetry(() => this.metrics.clientRetries.inc({ target: this.target, operation: o.operation }));
    const deadline = timeout(this.opts.timeoutMs, TimeoutStrategy.Aggressive);
    let status: number | undefined;
    try {
      const result = await deadline.execute(({ signal }) =>
        retryPolicy.execute(
          () =>
            this.breaker.execute(async () => {
              const headers: Record<string, string> = { accept: 'application/json' };
              if (o.ctx?.requestId) headers['x-request-id'] = o.ctx.requestId;
              this.tracing.inject(span, headers);
              if (o.body !== undefined) headers['content-type'] = 'application/json';
              const res = await request(new URL(o.path, this.opts.baseUrl), {
                method: o.method,
                headers,
                body: o.body === undefined ? null : JSON.stringify(o.body),
                dispatcher: this.agent,
                signal,
              });
              status = res.statusCode;
              const text = await res.body.text();
              if (res.statusCode >= 500) throw new UpstreamFailure(res.statusCode);
              return { status: res.statusCode, body: (text ? JSON.parse(text) : undefined) as T };
            }, signal),
          signal,
        ),
      );
      endTimer({ status_class: statusClass(result.status) });
      span.setAttribute('http.response.status_code', result.status);
      return result;
    } catch (err) {
      endTimer({ status_class: err instanceof UpstreamFailure ? statusClass(err.status) : 'error' });
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      const why =
        err instanceof BrokenCircuitError
          ? 'circuit open'
          : err instanceof TaskCancelledError
            ? `no answer within ${this.opts.timeoutMs} ms`
            : err instanceof UpstreamFailure
              ? `answered ${status}`
              : (err as Error).message;
      throw unavailable(
        `${this.target} service is unavailable (${why})`,
        err instanceof BrokenCircuitError ? Math.ceil(this.opts.halfOpenAfterMs / 1000) : 1,
        { dependency: this.target },
      );
    } finally {
      span.end();
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
