// One upstream service as the proxy sees it: a connection pool, a deadline per proxied request, jittered retries for
// idempotent methods only, and a circuit breaker. @fastify/reply-from does the forwarding and calls `request` below
// in place of an undici pool, so every proxied call passes through these policies and leaves metrics behind.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { Pool, type Dispatcher } from 'undici';
import type { FastifyBaseLogger } from 'fastify';
import { statusClass, type Metrics } from '@shipshape/platform/metrics';
import { watchBreaker } from '@shipshape/platform/http-client';

export interface UpstreamOptions {
  /** Metric label and name in messages: users, products, orders. */
  target: string;
  baseUrl: string;
  /** Deadline for the whole proxied request, retries and response body included. */
  timeoutMs: number;
  retries: number;
  breakerThreshold: number;
  halfOpenAfterMs: number;
}

export type FailureKind = 'timeout' | 'unreachable' | 'circuit-open';

/** Why a proxied request got no usable answer; the proxy maps it to 504 or 503. */
export class UpstreamFailure extends Error {
  readonly kind: FailureKind;
  readonly target: string;
  readonly retryAfterSeconds: number;

  constructor(kind: FailureKind, target: string, message: string, retryAfterSeconds: number, cause?: unknown) {
    super(message, { cause });
    this.name = 'UpstreamFailure';
    this.kind = kind;
    this.target = target;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** What @fastify/reply-from hands to its undici pool. */
export interface ForwardedRequest {
  path: string;
  method: string;
  headers?: Record<string, string | string[] | number | undefined> | null;
  body?: string | Buffer | null;
}

type Callback = (err: Error | null, res?: Dispatcher.ResponseData) => void;

const OPERATION = 'proxy';
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD']);
/** Answers that say "try again" rather than "this request is wrong". */
const RETRYABLE_STATUS = new Set([502, 503, 504]);
const BACKOFF_BASE_MS = 50;
const BACKOFF_MAX_MS = 1000;

/** Equal jitter: half the exponential step is fixed, half random, so retries spread out but never fire at once. */
export function backoffMs(retry: number, random: () => number = Math.random): number {
  const step = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** retry);
  return step / 2 + random() * (step / 2);
}

function headersOf(given: ForwardedRequest['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(given ?? {})) if (v !== undefined) out[k] = typeof v === 'number' ? String(v) : v;
  return out;
}

export class Upstream {
  readonly target: string;
  readonly baseUrl: string;
  readonly breaker: CircuitBreakerPolicy;
  private readonly opts: UpstreamOptions;
  private readonly pool: Pool;
  private readonly metrics: Metrics;
  private readonly log: FastifyBaseLogger;

  constructor(opts: UpstreamOptions, metrics: Metrics, log: FastifyBaseLogger) {
    this.opts = opts;
    this.target = opts.target;
    this.baseUrl = opts.baseUrl;
    this.metrics = metrics;
    this.log = log;
    this.pool = new Pool(new URL(opts.baseUrl).origin, {
      connections: 128,
      keepAliveTimeout: 4000,
      connect: { timeout: Math.min(opts.timeoutMs, 1000) },
    });
    // Errors and 5xx answers count against the upstream; 4xx answers are the client's business. A 503 is the
    // upstream answering fast that one of *its* dependencies is down: counting it would let a products outage
    // open the gateway's breaker to orders and cut off reads that still work.
    this.breaker = circuitBreaker(
      handleWhen(() => true).orWhenResult((r) => {
        const status = (r as Dispatcher.ResponseData).statusCode;
        return status >= 500 && status !== 503;
      }),
      { halfOpenAfter: opts.halfOpenAfterMs, breaker: new ConsecutiveBreaker(opts.breakerThreshold) },
    );
    watchBreaker(this.breaker, opts.target, metrics, log);
  }

  /** The undici-pool face @fastify/reply-from calls (its `undici` option accepts anything with `request`). */
  readonly dispatcher = {
    request: (req: ForwardedRequest, callback: Callback): void => {
      this.send(req).then(
        (res) => callback(null, res),
        (err: Error) => callback(err),
      );
    },
  };

  async send(req: ForwardedRequest): Promise<Dispatcher.ResponseData> {
    const started = process.hrtime.bigint();
    const observe = (label: string) =>
      this.metrics.clientDuration.observe(
        { target: this.target, operation: OPERATION, status_class: label },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.opts.timeoutMs);
    const elapsedMs = () => Number(process.hrtime.bigint() - started) / 1e6;
    const idempotent = IDEMPOTENT_METHODS.has(req.method.toUpperCase());
    const headers = headersOf(req.headers);
    const requestId = headers['x-request-id'];
    const requestOptions: Dispatcher.RequestOptions = {
      path: req.path,
      method: req.method as Dispatcher.HttpMethod,
      headers,
      body: req.body === '' ? null : (req.body ?? null),
      signal: deadline.signal,
    };
    /** Whether another attempt fits: idempotent, retries left, and the backoff ends well inside the deadline. */
    const mayRetry = (retry: number, delay: number) =>
      idempotent && retry < this.opts.retries && elapsedMs() + delay < this.opts.timeoutMs / 2;

    for (let retry = 0; ; retry++) {
      let res: Dispatcher.ResponseData;
      try {
        res = await this.breaker.execute(() => this.pool.request(requestOptions));
      } catch (err) {
        const failure = this.failureOf(err, deadline.signal.aborted);
        const delay = backoffMs(retry);
        if (failure.kind === 'unreachable' && mayRetry(retry, delay)) {
          await this.pause(retry, delay, requestId, failure.message);
          continue;
        }
        clearTimeout(timer);
        observe('error');
        throw failure;
      }
      const delay = backoffMs(retry);
      if (RETRYABLE_STATUS.has(res.statusCode) && mayRetry(retry, delay)) {
        await res.body.dump().catch(() => {});
        await this.pause(retry, delay, requestId, `answered ${res.statusCode}`);
        continue;
      }
      // reply-from destroys the body when the client has already hung up; without a listener that error would be
      // uncaught and take the process down.
      res.body.on('error', (err: Error) =>
        this.log.debug({ target: this.target, requestId, err: { message: err.message } }, 'upstream body abandoned'),
      );
      // The deadline also covers streaming the body through; the metric is observed once it is done.
      res.body.once('close', () => {
        clearTimeout(timer);
        observe(statusClass(res.statusCode));
      });
      return res;
    }
  }

  private async pause(
    retry: number,
    delay: number,
    requestId: string | string[] | undefined,
    why: string,
  ): Promise<void> {
    this.metrics.clientRetries.inc({ target: this.target, operation: OPERATION });
    this.log.info(
      { target: this.target, requestId, retry: retry + 1, delayMs: Math.round(delay), why },
      'retrying upstream call',
    );
    await sleep(delay);
  }

  private failureOf(err: unknown, timedOut: boolean): UpstreamFailure {
    if (err instanceof BrokenCircuitError) {
      const wait = Math.max(1, Math.ceil(this.opts.halfOpenAfterMs / 1000));
      return new UpstreamFailure(
        'circuit-open',
        this.target,
        `${this.target} service is unavailable (circuit open)`,
        wait,
        err,
      );
    }
    if (timedOut) {
      return new UpstreamFailure(
        'timeout',
        this.target,
        `${this.target} service did not answer within ${this.opts.timeoutMs} ms`,
        1,
        err,
      );
    }
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    return new UpstreamFailure(
      'unreachable',
      this.target,
      `${this.target} service is unreachable (${code ?? (err as Error).message})`,
      1,
      err,
    );
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
