// The security headers every answer of the public entry carries: helmet's defaults, worked out once at start. Running
// helmet per request (as @fastify/helmet does) rebuilds the same header values, CSP directives included, every time.
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

export const SECURITY_HEADERS = helmetHeaders();

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
