// Builds the gateway as a Fastify app. Never listens.
import { createRequire } from 'node:module';
import { createService, type App } from '@shipshape/platform/service';
import { securityHeaders } from '@shipshape/platform/security-headers';
import { verifiersFrom } from '@shipshape/platform/auth';
import { breakerOptions, redisUrl } from '@shipshape/platform/config';
import type { Config } from './config.ts';
import { TARGETS, type Target } from './proxy/public-routes.ts';
import { rejectForbiddenPaths } from './proxy/path-guard.ts';
import { realWorldErrors } from '@shipshape/platform/realworld-errors';
import { Upstream } from './proxy/upstream.ts';
import { relayJsonBodies } from './proxy/json-body.ts';
import rateLimit from './rate-limit.ts';
import rootRoutes, { GatewayInfo } from './routes/root/index.ts';
import proxyRoutes from './routes/proxy/index.ts';
import docsRoutes from './docs/index.ts';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** TRUST_PROXY: false, true, a hop count, or a comma-separated list of addresses/CIDRs. */
export function trustProxyOf(value: string): boolean | number | string {
  const v = value.trim().toLowerCase();
  if (v === 'false' || v === '') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  return value;
}

export async function buildApp(config: Config, opts: { logger?: boolean } = {}): Promise<App> {
  const app = await createService({
    name: 'gateway',
    version,
    description: 'Gateway: the one public entry point.',
    config,
    bodyLimit: config.BODY_LIMIT_BYTES,
    // A hop count is valid for Fastify; ServiceOptions only declares boolean | string.
    trustProxy: trustProxyOf(config.TRUST_PROXY),
    docs: false,
    auth: verifiersFrom('gateway', config),
    ...opts,
  });
  app.addHook('onRequest', rejectForbiddenPaths);
  relayJsonBodies(app, config.BODY_LIMIT_BYTES);
  app.addHook('onSend', realWorldErrors);
  await app.register(securityHeaders);
  await app.register(rateLimit, {
    max: config.RATE_LIMIT_MAX,
    windowMs: config.RATE_LIMIT_WINDOW_MS,
    redisUrl: redisUrl(config),
    redisPrefix: config.RATE_LIMIT_REDIS_PREFIX,
  });

  const baseUrls: Record<Target, string> = {
    users: config.USERS_URL,
    products: config.PRODUCTS_URL,
    orders: config.ORDERS_URL,
    conduit: config.CONDUIT_URL,
  };
  const upstreams = Object.fromEntries(
    TARGETS.map((target) => [
      target,
      new Upstream(
        {
          target,
          baseUrl: baseUrls[target],
          timeoutMs: config.UPSTREAM_TIMEOUT_MS,
          retries: config.UPSTREAM_RETRIES,
          breaker: breakerOptions(config),
        },
        { metrics: app.metrics, tracing: app.tracing, log: app.log },
      ),
    ]),
  ) as Record<Target, Upstream>;
  app.addHook('onClose', async () => {
    await Promise.all(Object.values(upstreams).map((u) => u.close()));
  });

  await app.register(rootRoutes, { company: config.COMPANY_NAME, version });
  await app.register(proxyRoutes, { upstreams });
  await app.register(docsRoutes, {
    title: config.COMPANY_NAME,
    version,
    description: `The public API of ${config.COMPANY_NAME}, served through the gateway.`,
    sources: TARGETS.map((target) => ({ target, baseUrl: baseUrls[target] })),
    ownPaths: {
      '/': {
        get: {
          summary: 'Which service answers, for which company, in which version',
          tags: ['gateway'],
          responses: {
            200: {
              description: 'The gateway.',
              content: { 'application/json': { schema: JSON.parse(JSON.stringify(GatewayInfo)) as unknown } },
            },
          },
        },
      },
    },
    cacheMs: config.DOCS_CACHE_SECONDS * 1000,
    fetchTimeoutMs: Math.min(config.UPSTREAM_TIMEOUT_MS, 2000),
  });
  return app;
}
