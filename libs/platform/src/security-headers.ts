// The security headers every answer of the public entry carries, worked out by helmet once at start. Running helmet
// per request (as @fastify/helmet does) rebuilds the same header values, CSP directives included, every time.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/** The headers helmet sets with these options, read off one run of its middleware. */
export function helmetHeaders(options: Readonly<HelmetOptions> = {}): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: () => {},
    getHeader: () => undefined,
  };
  let failure: unknown;
  helmet(options)({ headers: {} } as never, response as never, (err?: unknown) => {
    failure = err;
  });
  if (failure) throw failure;
  return Object.freeze(headers);
}

/**
 * The headers of an API that answers JSON, as the OWASP REST Security Cheat Sheet lists them: nothing may load or
 * frame an answer (`default-src 'none'; frame-ancestors 'none'`, `X-Frame-Options: DENY`), no MIME sniffing, HSTS, no
 * referrer, same-origin resources. helmet's other defaults govern what a page does (its CSP's `'self'` sources,
 * opener policy, origin-keyed agent cluster, DNS prefetch, IE's download options, Flash's cross-domain policies,
 * the XSS auditor) and are left out: an API has no page, and the one page the gateway serves (/docs) sets its own.
 */
export const SECURITY_HEADERS = helmetHeaders({
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  frameguard: { action: 'deny' },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
});

/** Sets SECURITY_HEADERS on every answer (a route or hook may still override one). */
export const securityHeaders = fp(
  async function securityHeaders(app: FastifyInstance) {
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(SECURITY_HEADERS);
      done();
    });
  },
  { name: 'shipshape-security-headers', fastify: '5.x' },
);
