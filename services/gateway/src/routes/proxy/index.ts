// The public API routes, each forwarded to the service that owns it. One route per public endpoint, so metrics and
// traces carry route templates; one @fastify/reply-from scope per service, whose pool is that service's Upstream.
import type { IncomingHttpHeaders } from 'node:http';
import type { IncomingHttpHeaders as Http2IncomingHttpHeaders } from 'node:http2';
import type { Span } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import replyFrom, { type FastifyReplyFromHooks, type FastifyReplyFromOptions } from '@fastify/reply-from';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '@shipshape/platform/service';
import { Problem } from '@shipshape/platform/errors';
import { IdParams } from '@shipshape/platform/schemas';
import { PUBLIC_ROUTES, REALWORLD_PREFIX, TARGETS, isRealWorldPath, type Target } from '../../proxy/public-routes.ts';
import { DependencyFailure } from '@shipshape/platform/http-client';
import type { Upstream } from '../../proxy/upstream.ts';
import { checkedJson } from '../../proxy/json-body.ts';

export interface ProxyRoutesOptions {
  upstreams: Record<Target, Upstream>;
}

/** Request headers a service needs; everything else (cookies, hop-by-hop, client-made forwarding headers) stays here. */
const FORWARDED_REQUEST_HEADERS = [
  'accept',
  'authorization',
  'content-type',
  'content-length',
  'idempotency-key',
  'user-agent',
  // CORS (the RealWorld API answers browsers on other origins; the service decides what it allows).
  'origin',
  'access-control-request-method',
  'access-control-request-headers',
];
/** Hop-by-hop response headers (RFC 9110 §7.6.1) describe the upstream connection, not the answer. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

type AnyHeaders = IncomingHttpHeaders | Http2IncomingHttpHeaders;

/** The upstream path: the route template with its (validated) params encoded back in. */
function upstreamPath(template: string, params: unknown): string {
  // A wildcard route (the RealWorld CORS preflight) forwards the path as it came; the path guard vetted it.
  if (template.endsWith('/*')) {
    const rest = (params as { '*'?: string } | undefined)?.['*'] ?? '';
    return `${template.slice(0, -1)}${rest.split('/').map(encodeURIComponent).join('/')}`;
  }
  const values = (params ?? {}) as Record<string, string | undefined>;
  return template.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(values[name] ?? ''));
}

function problemFor(error: Error, upstream: Upstream): Problem {
  const failure =
    error instanceof DependencyFailure ? error : error.cause instanceof DependencyFailure ? error.cause : undefined;
  if (failure?.kind === 'timeout') {
    return new Problem(504, 'upstream-timeout', 'Gateway Timeout', failure.message, { dependency: upstream.target });
  }
  if (failure) {
    return new Problem(
      503,
      'dependency-unavailable',
      'Service Unavailable',
      `${failure.message}; retry later`,
      { dependency: upstream.target },
      {
        'retry-after': String(failure.retryAfterSeconds),
      },
    );
  }
  return new Problem(
    502,
    'bad-gateway',
    'Bad Gateway',
    `${upstream.target} service sent an answer the gateway could not relay`,
    { dependency: upstream.target },
  );
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The client span of the proxied call, ended when the upstream answers or fails. */
    upstreamSpan: Span | undefined;
  }
}

/** Builds the upstream path of a route from its params; a route without params always has the same one. */
function pathBuilder(template: string): (params: unknown) => string {
  if (!template.includes(':') && !template.endsWith('/*')) return () => template;
  return (params) => upstreamPath(template, params);
}

export default async function proxyRoutes(app: App, { upstreams }: ProxyRoutesOptions) {
  app.decorateRequest('upstreamSpan', undefined);

  const forwardHeaders = (request: FastifyRequest, given: AnyHeaders): AnyHeaders => {
    const out: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = given[name];
      if (typeof value === 'string' || typeof value === 'number') out[name] = String(value);
    }
    // reply-from already pointed host at the upstream.
    if (typeof given.host === 'string') out.host = given.host;
    out['x-request-id'] = request.id;
    out['x-forwarded-for'] = request.ip;
    out['x-forwarded-proto'] = request.protocol;
    app.tracing.inject(request.upstreamSpan, out);
    return out;
  };

  const stripHopByHop = (headers: AnyHeaders): AnyHeaders => {
    const out: AnyHeaders = { ...headers };
    for (const name of HOP_BY_HOP) delete out[name];
    return out;
  };

  /** reply-from's options for one upstream, made once: each callback finds the request it serves in its arguments. */
  const relayOptions = (upstream: Upstream): FastifyReplyFromHooks => ({
    rewriteRequestHeaders: (request, headers) => forwardHeaders(request as FastifyRequest, headers),
    rewriteHeaders: stripHopByHop,
    onResponse: (request, rep, res) => {
      const span = request.upstreamSpan;
      span?.setAttribute('http.response.status_code', rep.statusCode);
      if (rep.statusCode >= 500) span?.setStatus({ code: SpanStatusCode.ERROR });
      span?.end();
      // The services answer small JSON documents: relaying each whole lets Fastify write head and body at once
      // with a Content-Length, where piping the stream costs a chunked write per piece.
      const chunks: Buffer[] = [];
      res.stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.stream.once('end', () => rep.send(Buffer.concat(chunks)));
      res.stream.once('error', (err: Error) => rep.send(problemFor(err, upstream)));
    },
    onError: (rep, { error }) => {
      const span = rep.request.upstreamSpan;
      span?.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      span?.end();
      rep.send(problemFor(error, upstream));
    },
  });

  const forward = (upstream: Upstream, template: string) => {
    const pathOf = pathBuilder(template);
    const relay = relayOptions(upstream);
    const spanName = (method: string) => `${method} ${upstream.target}`;
    return (request: FastifyRequest, reply: FastifyReply) => {
      const path = pathOf(request.params);
      request.upstreamSpan = app.tracing.startClientSpan(request.span, spanName(request.method), {
        'http.request.method': request.method,
        'server.address': upstream.target,
        'url.path': path,
      });
      // JSON arrives as checked text (proxy/json-body.ts) and leaves as received.
      return reply.from(
        path,
        checkedJson.has(request) && typeof request.body === 'string'
          ? { ...relay, body: request.body, contentType: 'application/json' }
          : relay,
      );
    };
  };

  for (const target of TARGETS) {
    const upstream = upstreams[target];
    await app.register(async (scope: App) => {
      const options: FastifyReplyFromOptions = {
        base: upstream.baseUrl,
        // Retries, deadline and breaker live in Upstream; reply-from's own retries are off.
        undici: upstream.dispatcher as unknown as FastifyReplyFromOptions['undici'],
        retryMethods: [],
        disableRequestLogging: true,
      };
      await scope.register(replyFrom, options);
      for (const route of PUBLIC_ROUTES.filter((r) => r.target === target)) {
        const uuidIds = route.url.includes(':id') && !isRealWorldPath(route.url);
        scope.route({
          method: route.method,
          url: route.url,
          // The token is verified here, before any upstream call; the service verifies it again and decides.
          config: { access: route.access },
          schema: { hide: true, ...(uuidIds ? { params: IdParams } : {}) },
          handler: forward(upstream, route.url),
        });
      }
      // Browsers preflight cross-origin RealWorld calls; conduit answers them (allowed origins, methods, headers).
      if (target === 'conduit')
        scope.route({
          method: 'OPTIONS',
          url: `${REALWORLD_PREFIX}/*`,
          schema: { hide: true },
          handler: forward(upstream, `${REALWORLD_PREFIX}/*`),
        });
    });
  }
}
