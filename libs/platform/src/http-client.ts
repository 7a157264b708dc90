// The one client for calls between services, used by the orders service and by the gateway's proxy: a deadline on
// every call, jittered retries for idempotent calls only, a circuit breaker per dependency, metrics.
//
// Only failures of the dependency itself count against it and are retried: no answer within the deadline,
// connection errors, and 502/503/504 answers. A 500 caused by one request, and every 4xx, is that request's
// business: passed on as it is, neither counted nor retried, so a few bad requests cannot open a breaker for
// everybody. The breaker (cockatiel's SamplingBreaker) opens on a failure ratio over a time window, and only once
// the window saw a minimum number of calls.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BrokenCircuitError,
  CircuitState,
  SamplingBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { Pool, type Dispatcher } from 'undici';
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from './metrics.ts';
import { statusClass } from './metrics.ts';
import type { Tracing } from './tracing.ts';
import { unavailable } from './errors.ts';

export interface BreakerOptions {
  /** Share of calls (0-1) failing within the window that opens the breaker. */
  failureRatio: number;
  windowMs: number;
  /** Calls the window must have seen before the breaker may open. */
  minThroughput: number;
  halfOpenAfterMs: number;
}

export interface ClientOptions {
  /** Metric label and name in messages: users, products, orders. */
  target: string;
  baseUrl: string;
  /** Deadline for the whole call, retries and response body included. */
  timeoutMs: number;
  retries: number;
  breaker: BreakerOptions;
  /**
   * Answers that count against the dependency. Default 502, 503 and 504. The gateway leaves 503 out: a service
   * answering fast that one of *its* dependencies is down is alive, and its own breaker already protects it.
   */
  countedStatuses?: readonly number[];
  connections?: number;
  /** The largest answer read (default MAX_ANSWER_BYTES); a larger one fails the call. */
  maxAnswerBytes?: number;
}

export type FailureKind = 'timeout' | 'unreachable' | 'circuit-open';

/** Why a call got no usable answer. Its message names the dependency and the kind, never an internal address. */
export class DependencyFailure extends Error {
  readonly kind: FailureKind;
  readonly target: string;
  readonly retryAfterSeconds: number;

  constructor(kind: FailureKind, target: string, message: string, retryAfterSeconds: number, cause?: unknown) {
    super(message, { cause });
    this.name = 'DependencyFailure';
    this.kind = kind;
    this.target = target;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** One attempt of a call as the caller describes it. */
export interface SendOptions {
  operation: string;
  path: string;
  method: string;
  headers?: Record<string, string | string[] | number | undefined> | null;
  body?: string | Buffer | null;
  /** Only idempotent calls (reads, or writes keyed so a repeat changes nothing) are retried. */
  idempotent: boolean;
}

/** An answer read whole. */
export interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** The largest answer a call reads (the services answer documents of a few KB; a page of articles about 8 KB). */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** An answer larger than the client reads: the dependency misbehaves, the call failed. */
export class AnswerTooLarge extends Error {
  constructor(target: string, limit: number) {
    super(`${target} service sent an answer larger than ${limit} bytes`);
    this.name = 'AnswerTooLarge';
  }
}

/**
 * The deadline of one call over all its attempts: one timer. When it fires, the attempt on its way is aborted, or
 * failed at once if it still waits for a connection in the pool (and aborted as soon as it gets one).
 */
class Deadline {
  expired = false;
  #attempt: Attempt | undefined;
  readonly #timer: NodeJS.Timeout;

  constructor(ms: number) {
    this.#timer = setTimeout(() => {
      this.expired = true;
      this.#attempt?.expire(Deadline.error());
    }, ms);
  }

  static error(): Error {
    return Object.assign(new Error("the call's deadline passed"), { name: 'TimeoutError' });
  }

  /** The attempt on its way, ended when the deadline passes (undefined once it ended). */
  watch(attempt: Attempt | undefined): void {
    this.#attempt = attempt;
  }

  clear(): void {
    clearTimeout(this.#timer);
  }
}

/**
 * One attempt of a call, as undici's handler of it: the answer's body gathered as it arrives and bounded in size, the
 * attempt ended by its call's deadline. One object per attempt, with no closures: every relayed request makes one.
 */
class Attempt implements Dispatcher.DispatchHandler {
  readonly answer: Promise<Answer>;
  readonly #deadline: Deadline;
  readonly #limit: number;
  readonly #target: string;
  #resolve!: (answer: Answer) => void;
  #reject!: (err: Error) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #settled = false;
  #statusCode = 0;
  #headers: Answer['headers'] = {};
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(deadline: Deadline, limit: number, target: string) {
    this.#deadline = deadline;
    this.#limit = limit;
    this.#target = target;
    this.answer = new Promise<Answer>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    deadline.watch(this);
  }

  /** The call's deadline passed: the request on its way is aborted, or one still waiting for a connection fails. */
  expire(err: Error): void {
    if (this.#controller) this.#controller.abort(err);
    else this.fail(err);
  }

  fail(err: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#deadline.watch(undefined);
    this.#reject(err);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#deadline.expired || this.#settled) controller.abort(Deadline.error());
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Answer['headers']): void {
    this.#statusCode = statusCode;
    this.#headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#size += chunk.length;
    if (this.#size > this.#limit) controller.abort(new AnswerTooLarge(this.#target, this.#limit));
    else this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#deadline.watch(undefined);
    const chunks = this.#chunks;
    this.#resolve({
      statusCode: this.#statusCode,
      headers: this.#headers,
      body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.#size),
    });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.fail(err);
  }
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
  idempotent: boolean;
  ctx?: CallContext;
  /** Extra request headers (the caller's service identity). */
  headers?: Record<string, string>;
}

export interface CallResult<T> {
  status: number;
  body: T;
}

/** Answers that say "try again" rather than "this request is wrong". */
const RETRYABLE_STATUS = new Set([502, 503, 504]);
const BACKOFF_BASE_MS = 50;
const BACKOFF_MAX_MS = 1000;
/** Errors that say the dependency could not be reached or did not answer (undici and socket codes). */
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_ABORTED',
]);

/** An error thrown by a call that is the dependency's failure (not one the request itself caused). */
export function isConnectionFailure(err: unknown): boolean {
  const e = err as { code?: string; name?: string } | undefined;
  return CONNECTION_ERRORS.has(e?.code ?? '') || e?.name === 'AbortError' || e?.name === 'TimeoutError';
}

/** Equal jitter: half the exponential step is fixed, half random, so retries spread out but never fire at once. */
export function backoffMs(retry: number, random: () => number = Math.random): number {
  const step = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** retry);
  return step / 2 + random() * (step / 2);
}

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

/** The headers as undici takes them: strings (or lists of them), none undefined; already so, they are not copied. */
function headersOf(given: SendOptions['headers']): Record<string, string | string[]> {
  if (!given) return {};
  let plain = true;
  for (const k in given) {
    const v = given[k];
    if (typeof v !== 'string' && !Array.isArray(v)) {
      plain = false;
      break;
    }
  }
  if (plain) return given as Record<string, string | string[]>;
  const out: Record<string, string | string[]> = {};
  for (const k in given) {
    const v = given[k];
    if (v !== undefined) out[k] = typeof v === 'number' ? String(v) : v;
  }
  return out;
}

export class ServiceClient {
  readonly target: string;
  readonly baseUrl: string;
  readonly breaker: CircuitBreakerPolicy;
  private readonly opts: ClientOptions;
  private readonly counted: ReadonlySet<number>;
  private readonly pool: Pool;
  private readonly metrics: Metrics;
  private readonly tracing: Tracing | undefined;
  private readonly log: FastifyBaseLogger | undefined;
  private readonly operations = new Set<string>();

  constructor(opts: ClientOptions, metrics: Metrics, deps: { tracing?: Tracing; log?: FastifyBaseLogger } = {}) {
    this.opts = opts;
    this.target = opts.target;
    this.baseUrl = opts.baseUrl;
    this.metrics = metrics;
    this.tracing = deps.tracing;
    this.log = deps.log;
    this.counted = new Set(opts.countedStatuses ?? [502, 503, 504]);
    this.pool = new Pool(new URL(opts.baseUrl).origin, {
      connections: opts.connections ?? 64,
      keepAliveTimeout: 4000,
      connect: { timeout: Math.min(opts.timeoutMs, 1000) },
      // The call's deadline bounds the wait for the answer's headers and body. undici's own timeouts would only add
      // timers that live on after their call (its coarse timers are swept every half second), and under load those
      // outlive the young generation and fill the old one.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    const b = opts.breaker;
    this.breaker = circuitBreaker(
      handleWhen(isConnectionFailure).orWhenResult((r) => this.counted.has((r as Dispatcher.ResponseData).statusCode)),
      {
        halfOpenAfter: b.halfOpenAfterMs,
        breaker: new SamplingBreaker({
          threshold: b.failureRatio,
          duration: b.windowMs,
          minimumRps: b.minThroughput / (b.windowMs / 1000),
        }),
      },
    );
    watchBreaker(this.breaker, opts.target, metrics, deps.log);
  }

  /**
   * One call with deadline, retries and breaker, its answer read whole (the services answer small JSON documents).
   * Throws DependencyFailure when the dependency gave no usable answer; any answer it gave is returned, the last
   * one when retries ran out.
   */
  async send(req: SendOptions): Promise<Answer> {
    if (!this.operations.has(req.operation)) {
      this.operations.add(req.operation);
      this.metrics.clientRetries.inc({ target: this.target, operation: req.operation }, 0);
    }
    // Every request through the gateway and every call between services passes here: one closure (the breaker's),
    // no BigInt, no copy of headers that are already strings.
    const started = performance.now();
    const deadline = new Deadline(this.opts.timeoutMs);
    const headers = headersOf(req.headers);
    const options: Dispatcher.DispatchOptions = {
      path: req.path,
      method: req.method as Dispatcher.HttpMethod,
      headers,
      body: req.body === '' ? null : (req.body ?? null),
    };
    const attempt = () => this.attempt(options, deadline);
    for (let retry = 0; ; retry++) {
      let answer: Answer;
      try {
        answer = await this.breaker.execute(attempt);
      } catch (err) {
        const failure = this.failureOf(err, deadline.expired);
        const delay = backoffMs(retry);
        if (failure?.kind === 'unreachable' && this.mayRetry(req, retry, delay, started)) {
          await this.pause(req.operation, retry, delay, headers['x-request-id'], failure.message);
          continue;
        }
        this.finish(deadline, req.operation, 'error', started);
        throw failure ?? err;
      }
      if (RETRYABLE_STATUS.has(answer.statusCode)) {
        const delay = backoffMs(retry);
        if (this.mayRetry(req, retry, delay, started)) {
          await this.pause(req.operation, retry, delay, headers['x-request-id'], `answered ${answer.statusCode}`);
          continue;
        }
      }
      this.finish(deadline, req.operation, statusClass(answer.statusCode), started);
      return answer;
    }
  }

  /** Whether another attempt fits: idempotent, retries left, and the backoff ends well inside the deadline. */
  private mayRetry(req: SendOptions, retry: number, delay: number, started: number): boolean {
    return req.idempotent && retry < this.opts.retries && performance.now() - started + delay < this.opts.timeoutMs / 2;
  }

  /** The call is over: its deadline cleared, its duration observed. */
  private finish(deadline: Deadline, operation: string, statusClass: string, started: number): void {
    deadline.clear();
    this.metrics.clientDuration.observe(
      { target: this.target, operation, status_class: statusClass },
      (performance.now() - started) / 1000,
    );
  }

  /** One attempt through undici's dispatch: no stream, the body gathered as it arrives, bounded in size. */
  private attempt(options: Dispatcher.DispatchOptions, deadline: Deadline): Promise<Answer> {
    const attempt = new Attempt(deadline, this.opts.maxAnswerBytes ?? MAX_ANSWER_BYTES, this.target);
    try {
      this.pool.dispatch(options, attempt);
    } catch (err) {
      attempt.fail(err as Error);
    }
    return attempt.answer;
  }

  /** A JSON call between services: trace context and request id propagated; a failing dependency becomes 503. */
  async call<T>(o: CallOptions): Promise<CallResult<T>> {
    const span = this.tracing?.startClientSpan(o.ctx?.span, `${o.method} ${this.target}.${o.operation}`, {
      'http.request.method': o.method,
      'server.address': this.target,
    });
    const headers: Record<string, string> = { ...o.headers, accept: 'application/json' };
    if (o.ctx?.requestId) headers['x-request-id'] = o.ctx.requestId;
    if (span) this.tracing?.inject(span, headers);
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    try {
      const res = await this.send({
        operation: o.operation,
        method: o.method,
        path: o.path,
        headers,
        body: o.body === undefined ? null : JSON.stringify(o.body),
        idempotent: o.idempotent,
      });
      const text = res.body.toString('utf8');
      span?.setAttribute('http.response.status_code', res.statusCode);
      if (this.counted.has(res.statusCode)) {
        span?.setStatus({ code: SpanStatusCode.ERROR });
        throw unavailable(`${this.target} service is unavailable (answered ${res.statusCode})`, 1, {
          dependency: this.target,
        });
      }
      return { status: res.statusCode, body: (text ? JSON.parse(text) : undefined) as T };
    } catch (err) {
      span?.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      if (err instanceof DependencyFailure) {
        throw unavailable(err.message, err.retryAfterSeconds, { dependency: this.target });
      }
      if (isConnectionFailure(err)) {
        // The body did not arrive within the deadline, or the connection broke while it was read.
        throw unavailable(`${this.target} service did not answer in full within ${this.opts.timeoutMs} ms`, 1, {
          dependency: this.target,
        });
      }
      throw err;
    } finally {
      span?.end();
    }
  }

  private async pause(
    operation: string,
    retry: number,
    delay: number,
    requestId: string | string[] | undefined,
    why: string,
  ): Promise<void> {
    this.metrics.clientRetries.inc({ target: this.target, operation });
    this.log?.info(
      { target: this.target, requestId, retry: retry + 1, delayMs: Math.round(delay), why },
      'retrying call to another service',
    );
    await sleep(delay);
  }

  /** The dependency's failure behind an error, or undefined when the request itself caused the error. */
  private failureOf(err: unknown, timedOut: boolean): DependencyFailure | undefined {
    if (err instanceof BrokenCircuitError) {
      const wait = Math.max(1, Math.ceil(this.opts.breaker.halfOpenAfterMs / 1000));
      return new DependencyFailure(
        'circuit-open',
        this.target,
        `${this.target} service is unavailable (circuit open)`,
        wait,
        err,
      );
    }
    if (timedOut) {
      return new DependencyFailure(
        'timeout',
        this.target,
        `${this.target} service did not answer within ${this.opts.timeoutMs} ms`,
        1,
        err,
      );
    }
    if (!isConnectionFailure(err)) return undefined;
    // The code only: an error message would carry the internal address.
    const code = (err as NodeJS.ErrnoException).code ?? 'connection failed';
    return new DependencyFailure('unreachable', this.target, `${this.target} service is unreachable (${code})`, 1, err);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
