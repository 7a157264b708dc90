// OpenTelemetry tracing with explicit context: a server span per request, a client span per outbound call,
// W3C traceparent in and out. Export is OTLP/HTTP when an endpoint is configured.
import { SpanKind, SpanStatusCode, trace, ROOT_CONTEXT, type Context, type Span, type Tracer, type TextMapGetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

  constructor(service: string, version: string, c: TracingSettings) {
    const processors: SpanProcessor[] = [];
    const endpoint = c.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (c.OTEL_EXPORTER_OTLP_ENDPOINT ? `${c.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/traces` : undefined);
    if (endpoint && !c.OTEL_SDK_DISABLED) {
      processors.push(
        new BatchSpanProcessor({
          exporter: new OTLPTraceExporter({ url: endpoint, headers: parseKeyValues(c.OTEL_EXPORTER_OTLP_HEADERS) }),
          scheduledDelayMillis: 500,
        }),
      );
    }
    this.provider = new TracerProvider({
      resource: resourceFromAttributes({
        ...parseKeyValues(c.OTEL_RESOURCE_ATTRIBUTES),
        'service.name': c.OTEL_SERVICE_NAME ?? service,
        'service.version': version,
      }),
      sampler: c.OTEL_SDK_DISABLED ? new AlwaysOffSampler() : sampler(c),
      spanProcessors: processors,
    });
    this.tracer = this.provider.getTracer('shipshape', version);
  }

  /** The context a request arrived with (its traceparent), or the root. */
  extract(headers: Record<string, string | string[] | undefined>): Context {
    return propagator.extract(ROOT_CONTEXT, headers, headerGetter);
  }

  /** Headers that carry `span`'s context to the next hop. */
  inject(span: Span | undefined, headers: Record<string, string>): Record<string, string> {
    if (span) propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, { set: (c, k, v) => (c[k] = v) });
    return headers;
  }

  startClientSpan(parent: Span | undefined, name: string, attributes: Record<string, string | number> = {}): Span {
    const ctx = parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
    return this.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, ctx);
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown();
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
    app.decorateRequest('span', undefined);
    app.addHook('onRequest', async (request: FastifyRequest) => {
      const route = request.routeOptions.url ?? 'unmatched';
      const span = tracing.tracer.startSpan(
        `${request.method} ${route}`,
        {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': request.method, 'http.route': route, 'url.path': request.url.split('?')[0] ?? '/', 'shipshape.request_id': request.id },
        },
        tracing.extract(request.headers),
      );
      request.span = span;
      const sc = span.spanContext();
      request.log = request.log.child({ traceId: sc.traceId, spanId: sc.spanId });
    });
    app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
      const span = request.span;
      if (!span) return;
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    app.addHook('onClose', async () => tracing.shutdown());
  },
  { name: 'shipshape-tracing', fastify: '5.x' },
);
