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

/**
 * Builds the upstream path of a route from its (validated) params, encoded back in; worked out once per route, so a
 * request only joins strings. A route without params always has the same path; a wildcard route (the RealWorld CORS
 * preflight) forwards the rest of the path as it came, each segment encoded (the path guard vetted it).
 */
function pathBuilder(template: string): (params: unknown) => string {
  if (template.endsWith('/*')) {
    const prefix = template.slice(0, -1);
    return (params) => {
      const rest = (params as { '*'?: string } | undefined)?.['*'] ?? '';
      return `${prefix}${rest.split('/').map(encodeURIComponent).join('/')}`;
    };
  }
  // "/a/:id/b" → literals ["/a/", "/b"] around names ["id"].
  const parts = template.split(/:(\w+)/);
  if (parts.length === 1) return () => template;
  const literals = parts.filter((_, i) => i % 2 === 0);
  const names = parts.filter((_, i) => i % 2 === 1);
  return (params) => {
    const values = (params ?? {}) as Record<string, string | undefined>;
    let path = literals[0] ?? '';
    for (let i = 0; i < names.length; i++) {
      path += encodeURIComponent(values[names[i] as string] ?? '') + (literals[i + 1] ?? '');
    }
    return path;
  };
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
