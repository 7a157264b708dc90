// The public API routes, each forwarded to the service that owns it (proxy/upstream.ts). One route per public
// endpoint, so metrics and traces carry route templates.
import type { App } from '@shipshape/platform/service';
import { IdParams } from '@shipshape/platform/schemas';
import { PUBLIC_ROUTES, REALWORLD_PREFIX, isRealWorldPath, type Target } from '../../proxy/public-routes.ts';
import type { Upstream } from '../../proxy/upstream.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface ProxyRoutesOptions {
  upstreams: Record<Target, Upstream>;
}

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

/** Builds the upstream path of a route from its params; a route without params always has the same one. */
function pathBuilder(template: string): (params: unknown) => string {
  if (!template.includes(':') && !template.endsWith('/*')) return () => template;
  return (params) => upstreamPath(template, params);
}

/** The handler of one route: the request goes on to `upstream`, at the route's path with its params encoded in. */
function forward(upstream: Upstream, template: string) {
  const pathOf = pathBuilder(template);
  return (request: FastifyRequest, reply: FastifyReply) => upstream.forward(request, reply, pathOf(request.params));
}

export default async function proxyRoutes(app: App, { upstreams }: ProxyRoutesOptions) {
  for (const route of PUBLIC_ROUTES) {
    const uuidIds = route.url.includes(':id') && !isRealWorldPath(route.url);
    app.route({
      method: route.method,
      url: route.url,
      // The token is verified here, before any upstream call; the service verifies it again and decides.
      config: { access: route.access },
      schema: { hide: true, ...(uuidIds ? { params: IdParams } : {}) },
      handler: forward(upstreams[route.target], route.url),
    });
  }
  // Browsers preflight cross-origin RealWorld calls; conduit answers them (allowed origins, methods, headers).
  app.route({
    method: 'OPTIONS',
    url: `${REALWORLD_PREFIX}/*`,
    schema: { hide: true },
    handler: forward(upstreams.conduit, `${REALWORLD_PREFIX}/*`),
  });
}
