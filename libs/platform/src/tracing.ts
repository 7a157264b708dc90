// OpenTelemetry tracing with explicit context: a server span per request, a client span per outbound call,
// W3C traceparent in and out. Export is OTLP/HTTP when an endpoint is configured.
import {
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
  isSpanContextValid,
  ROOT_CONTEXT,
  type Context,
  type Span,
  type SpanContext,
  type Tracer,
  type TextMapGetter,
} from '@opentelemetry/api';
import { TraceState, W3CTraceContextPropagator, parseTraceParent } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  RandomIdGenerator,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { IncomingMessage } from 'node:http';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawRequestDefaultExpression,
} from 'fastify';
import type { Bindings, ChildLoggerOptions, Logger } from 'pino';
import fp from 'fastify-plugin';

export interface TracingSettings {
  OTEL_SERVICE_NAME?: string | undefined;
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_HEADERS?: string | undefined;
  OTEL_TRACES_SAMPLER?: string | undefined;
  OTEL_TRACES_SAMPLER_ARG?: string | undefined;
  OTEL_RESOURCE_ATTRIBUTES?: string | undefined;
  OTEL_SDK_DISABLED: boolean;
}

const propagator = new W3CTraceContextPropagator();
const headerGetter: TextMapGetter<Record<string, string | string[] | undefined>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

function sampler(c: TracingSettings): Sampler {
  const ratio = Number(c.OTEL_TRACES_SAMPLER_ARG ?? '1');
  switch (c.OTEL_TRACES_SAMPLER) {
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    case 'always_on':
      return new AlwaysOnSampler();
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function parseKeyValues(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (s ?? '').split(',')) {
    const i = part.indexOf('=');
    if (i > 0) out[decodeURIComponent(part.slice(0, i).trim())] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

export class Tracing {
  readonly tracer: Tracer;
  private readonly provider: TracerProvider;
  /** False when nothing records (no exporter, or the SDK disabled): spans then only carry ids. */
  readonly recording: boolean;
  private readonly ids = new RandomIdGenerator();

  constructor(service: string, version: string, c: TracingSettings) {
    const processors: SpanProcessor[] = [];
    const endpoint =
      c.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
      (c.OTEL_EXPORTER_OTLP_ENDPOINT ? `${c.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/traces` : undefined);
    if (endpoint && !c.OTEL_SDK_DISABLED) {
      processors.push(
        new BatchSpanProcessor({
          exporter: new OTLPTraceExporter({ url: endpoint, headers: parseKeyValues(c.OTEL_EXPORTER_OTLP_HEADERS) }),
          scheduledDelayMillis: 500,
        }),
      );
    }
    this.recording = !c.OTEL_SDK_DISABLED && processors.length > 0;
    this.provider = new TracerProvider({
      resource: resourceFromAttributes({
        ...parseKeyValues(c.OTEL_RESOURCE_ATTRIBUTES),
        'service.name': c.OTEL_SERVICE_NAME ?? service,
        'service.version': version,
      }),
      // Without an exporter nothing is recorded, but ids still flow: traceparent in and out, traceId in the logs.
      sampler: c.OTEL_SDK_DISABLED || processors.length === 0 ? new AlwaysOffSampler() : sampler(c),
      spanProcessors: processors,
    });
    this.tracer = this.provider.getTracer('shipshape', version);
  }

  /** The context a request arrived with (its traceparent), or the root. */
  extract(headers: Record<string, string | string[] | undefined>): Context {
    if (headers.traceparent === undefined) return ROOT_CONTEXT;
    return propagator.extract(ROOT_CONTEXT, headers, headerGetter);
  }

  /**
   * The span context a request arrived with, read as the W3C propagator reads it (the tests hold the two equal),
   * without the Context it would build around it: a span that records nothing needs only the ids.
   */
  remoteParent(headers: Record<string, string | string[] | undefined>): SpanContext | undefined {
    const header = headers.traceparent;
    const traceParent = Array.isArray(header) ? header[0] : header;
    if (typeof traceParent !== 'string') return undefined;
    const parent = parseTraceParent(traceParent);
    if (!parent) return undefined;
    parent.isRemote = true;
    const state = headers.tracestate;
    if (state) parent.traceState = new TraceState(Array.isArray(state) ? state.join(',') : state);
    return parent;
  }

  /**
   * Headers that carry `span`'s context to the next hop: what the W3C propagator writes for it (the tests hold the
   * two equal), without building a Context on every outbound call.
   */
  inject(span: Span | undefined, headers: Record<string, string>): Record<string, string> {
    const sc = span?.spanContext();
    if (sc === undefined || !isSpanContextValid(sc)) return headers;
    headers.traceparent = `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags.toString(16)}`;
    if (sc.traceState) headers.tracestate = sc.traceState.serialize();
    return headers;
  }

  /**
   * A span that records nothing, as the SDK makes when its sampler says so (same ids, same trace state), without
   * running the sampler and the attribute checks on every request.
   */
  private idsOnly(parent: SpanContext | undefined): Span {
    return trace.wrapSpanContext({
      traceId: parent?.traceId ?? this.ids.generateTraceId(),
      spanId: this.ids.generateSpanId(),
      traceFlags: TraceFlags.NONE,
      ...(parent?.traceState ? { traceState: parent.traceState } : {}),
    });
  }

  /** The server span of an incoming request, child of its traceparent when it has one. */
  startServerSpan(req: IncomingMessage): Span {
    if (!this.recording) return this.idsOnly(this.remoteParent(req.headers));
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    return this.tracer.startSpan(
      `${req.method} ${path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? 'GET', 'url.path': path } },
      this.extract(req.headers),
    );
  }

  startClientSpan(parent: Span | undefined, name: string, attributes: Record<string, string | number> = {}): Span {
    if (!this.recording) return this.idsOnly(parent?.spanContext());
    const ctx = parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
    return this.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, ctx);
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }
}

/** Where a request's server span waits, on its IncomingMessage, from the logger factory to the request. */
const SERVER_SPAN = Symbol('shipshape.serverSpan');
type WithSpan = IncomingMessage & { [SERVER_SPAN]?: Span };

/** Probes and scrapes: neither logged per request nor traced. */
export const QUIET_PATHS = /^\/(health|ready|metrics)(\/|\?|$)/;

/**
 * A request's server span. One that records starts with the request (see requestLogger), so its timing is the
 * request's; one that records nothing only carries ids, and is made on first use: for the first log line, or the
 * first call to another service. A request that needs neither makes no ids.
 */
function serverSpan(tracing: Tracing, req: WithSpan): Span {
  req[SERVER_SPAN] ??= tracing.startServerSpan(req);
  return req[SERVER_SPAN];
}

/**
 * Fastify's childLoggerFactory: one child logger per request carrying the request id and the trace and span ids,
 * with a recording server span started here, so that it times the whole request.
 */
export function requestLogger(tracing: Tracing) {
  return (
    logger: FastifyBaseLogger,
    bindings: Bindings,
    opts: ChildLoggerOptions,
    req: RawRequestDefaultExpression,
  ): FastifyBaseLogger => {
    if (QUIET_PATHS.test(req.url ?? '')) return RequestLog.of(logger, bindings, opts);
    if (tracing.recording) serverSpan(tracing, req);
    return RequestLog.of(logger, bindings, opts, () => {
      const sc = serverSpan(tracing, req).spanContext();
      return { traceId: sc.traceId, spanId: sc.spanId };
    });
  };
}

type LogArgs = [unknown, ...unknown[]];

/** A request logger's bindings, with its trace and span ids when it has them. */
const withTraceIds = (bindings: Bindings, traceIds: (() => Bindings) | undefined): Bindings =>
  traceIds ? { ...bindings, ...traceIds() } : bindings;
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * A request's logger, made when the request first writes a line at an enabled level. Pino does its work for a child
 * when the child is made (its bindings serialised and redacted), and at `warn` most requests write no line at all.
 * A route with its own log options gets its child at once.
 */
export class RequestLog {
  readonly #parent: Logger;
  readonly #bindings: Bindings;
  readonly #traceIds: (() => Bindings) | undefined;
  #made: Logger | undefined;

  private constructor(parent: Logger, bindings: Bindings, traceIds: (() => Bindings) | undefined) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#traceIds = traceIds;
  }

  /** `traceIds` gives the request's trace and span ids, asked for only when the child is made. */
  static of(
    parent: FastifyBaseLogger,
    bindings: Bindings,
    opts: ChildLoggerOptions,
    traceIds?: () => Bindings,
  ): FastifyBaseLogger {
    const pino = parent as Partial<Logger>;
    // Not pino (Fastify's silent logger, when logging is off), or a route with log options of its own.
    if (typeof pino.isLevelEnabled !== 'function' || Object.keys(opts).length > 0)
      return parent.child(withTraceIds(bindings, traceIds), opts);
    return new RequestLog(pino as Logger, bindings, traceIds) as unknown as FastifyBaseLogger;
  }

  get level(): string {
    return (this.#made ?? this.#parent).level;
  }

  set level(level: string) {
    this.#logger().level = level;
  }

  isLevelEnabled(level: string): boolean {
    return (this.#made ?? this.#parent).isLevelEnabled(level);
  }

  bindings(): Bindings {
    return this.#logger().bindings();
  }

  child(bindings: Bindings, opts?: ChildLoggerOptions): Logger {
    return this.#logger().child(bindings, opts);
  }

  fatal(...args: LogArgs): void {
    this.#write('fatal', args);
  }
  error(...args: LogArgs): void {
    this.#write('error', args);
  }
  warn(...args: LogArgs): void {
    this.#write('warn', args);
  }
  info(...args: LogArgs): void {
    this.#write('info', args);
  }
  debug(...args: LogArgs): void {
    this.#write('debug', args);
  }
  trace(...args: LogArgs): void {
    this.#write('trace', args);
  }
  silent(): void {}

  #write(level: Level, args: LogArgs): void {
    if (!this.isLevelEnabled(level)) return;
    (this.#logger()[level] as (...a: LogArgs) => void)(...args);
  }

  #logger(): Logger {
    this.#made ??= this.#parent.child(withTraceIds(this.#bindings, this.#traceIds));
    return this.#made;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    tracing: Tracing;
  }
  interface FastifyRequest {
    span: Span | undefined;
  }
}

export default fp<{ tracing: Tracing }>(
  async function tracingPlugin(app: FastifyInstance, opts: { tracing: Tracing }) {
    const tracing = opts.tracing;
    app.decorate('tracing', tracing);
    // Probes and scrapes have no span; other requests make theirs on first use when it records nothing.
    app.decorateRequest('span', {
      getter(this: FastifyRequest): Span | undefined {
        const req = this.raw as WithSpan;
        if (req[SERVER_SPAN] === undefined && QUIET_PATHS.test(req.url ?? '')) return undefined;
        return serverSpan(tracing, req);
      },
    });
    // A span that records nothing has no name, attributes or end: it needs no hook.
    if (tracing.recording) {
      app.addHook('onRequest', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
        const span = request.span;
        if (span?.isRecording()) {
          const route = request.routeOptions.url ?? 'unmatched';
          span.updateName(`${request.method} ${route}`);
          span.setAttribute('http.route', route);
          span.setAttribute('shipshape.request_id', request.id);
        }
        done();
      });
      app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
        const span = request.span;
        if (span?.isRecording()) {
          span.setAttribute('http.response.status_code', reply.statusCode);
          if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        }
        done();
      });
    }
    app.addHook('onClose', async () => tracing.shutdown());
  },
  { name: 'shipshape-tracing', fastify: '5.x' },
);
