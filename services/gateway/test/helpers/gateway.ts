// Builds a gateway in-process against stub upstreams, plus small readers for its metrics.
import { createServer } from 'node:net';
import type { App } from '@shipshape/platform/service';
import { buildApp } from '../../src/app.ts';
import { readConfig } from '../../src/config.ts';
import { type Stub, type Stubs, startStubs } from './stub-upstream.ts';
import type { InjectOptions } from 'fastify';
import { adminToken, authEnv } from '../../../../test/support/auth.ts';

export interface GatewayUpstreams {
  users?: Stub | string;
  products?: Stub | string;
  orders?: Stub | string;
  conduit?: Stub | string;
}

const urlOf = (u: Stub | string | undefined, fallback: string) =>
  u === undefined ? fallback : typeof u === 'string' ? u : u.url;

/** A gateway whose upstreams are the given stubs (or URLs); the rest point at a port nothing listens on. */
export async function startGateway(upstreams: GatewayUpstreams, env: Record<string, string> = {}): Promise<App> {
  const nowhere = await closedPortUrl();
  const config = readConfig({
    LOG_LEVEL: 'silent',
    OTEL_SDK_DISABLED: 'false',
    USERS_URL: urlOf(upstreams.users, nowhere),
    PRODUCTS_URL: urlOf(upstreams.products, nowhere),
    ORDERS_URL: urlOf(upstreams.orders, nowhere),
    CONDUIT_URL: urlOf(upstreams.conduit, nowhere),
    ...(await authEnv('gateway')),
    ...env,
  });
  const app = await buildApp(config, { logger: false });
  await app.ready();
  // These tests are about routing, not identity: requests carry an admin token unless a test sets Authorization
  // itself (identity has its own tests).
  const authorization = `Bearer ${await adminToken()}`;
  const inject = app.inject.bind(app);
  Object.defineProperty(app, 'inject', {
    value: (opts: string | InjectOptions) => {
      const o = typeof opts === 'string' ? { url: opts } : opts;
      return inject({ ...o, headers: { authorization, ...o.headers } });
    },
  });
  return app;
}

/** The four stub services and a gateway over them; `close` closes the gateway, then the stubs. */
export async function startStubbedGateway(
  env: Record<string, string> = {},
): Promise<{ stubs: Stubs; app: App; close: () => Promise<void> }> {
  const stubs = await startStubs();
  const app = await startGateway(stubs, env);
  const close = async () => {
    await app.close();
    await stubs.close();
  };
  return { stubs, app, close };
}

/** A URL on a port that was free a moment ago and is closed now: connections to it are refused. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** The value of one Prometheus sample, or undefined when the series does not exist. */
export async function metric(app: App, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const text = await app.metrics.registry.metrics();
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (.+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}
