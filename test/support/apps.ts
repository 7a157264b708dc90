// The services built in-process and listening on random ports, talking real HTTP to each other.
import { randomBytes } from 'node:crypto';
import type { App } from '@shipshape/platform/service';
import { listenMetrics } from '@shipshape/platform/metrics';
import { buildApp as buildUsers } from '../../services/users/src/app.ts';
import { buildApp as buildProducts } from '../../services/products/src/app.ts';
import { buildApp as buildOrders } from '../../services/orders/src/app.ts';
import { readConfig as usersConfig } from '../../services/users/src/config.ts';
import { readConfig as productsConfig } from '../../services/products/src/config.ts';
import { readConfig as ordersConfig } from '../../services/orders/src/config.ts';
import { buildApp as buildConduit } from '../../services/conduit/src/app.ts';
import { readConfig as conduitConfig } from '../../services/conduit/src/config.ts';
import { buildApp as buildGateway } from '../../services/gateway/src/app.ts';
import { readConfig as gatewayConfig } from '../../services/gateway/src/config.ts';
import { CONDUIT_JWT_SECRET } from './env.ts';
import { authEnv } from './auth.ts';

export { adminToken, userToken, bearer } from './auth.ts';

const metricsUrls = new Map<string, string>();

/** Listens on a free port, with the /metrics listener on another free port (see metricsUrl). */
export async function listen(app: App): Promise<string> {
  const metrics = await listenMetrics(app.metrics, { port: 0, host: '127.0.0.1' });
  app.addHook('onClose', metrics.close);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  metricsUrls.set(url, metrics.url);
  return url;
}

/** The /metrics URL of a service started by `listen`, from its API URL. */
export function metricsUrl(serviceUrl: string): string {
  const url = metricsUrls.get(serviceUrl);
  if (!url) throw new Error(`no metrics listener for ${serviceUrl}`);
  return url;
}

/** A cache namespace no other test file shares. */
export const uniqueNamespace = () => `t${randomBytes(4).toString('hex')}`;

export async function startUsers(env: Record<string, string>): Promise<{ app: App; url: string }> {
  const app = await buildUsers(usersConfig({ LOG_LEVEL: 'silent', ...(await authEnv('users')), ...env }));
  return { app, url: await listen(app) };
}

export async function startProducts(env: Record<string, string>): Promise<{ app: App; url: string }> {
  const app = await buildProducts(productsConfig({ LOG_LEVEL: 'silent', ...(await authEnv('products')), ...env }));
  return { app, url: await listen(app) };
}

export async function startOrders(
  env: Record<string, string>,
  opts: { reconciler?: boolean } = {},
): Promise<{ app: App; url: string }> {
  const app = await buildOrders(ordersConfig({ LOG_LEVEL: 'silent', ...(await authEnv('orders')), ...env }), opts);
  return { app, url: await listen(app) };
}

export async function startConduit(env: Record<string, string>): Promise<{ app: App; url: string }> {
  const app = await buildConduit(conduitConfig({ LOG_LEVEL: 'silent', CONDUIT_JWT_SECRET, ...env }));
  return { app, url: await listen(app) };
}

export async function startGateway(env: Record<string, string>): Promise<{ app: App; url: string }> {
  const app = await buildGateway(
    gatewayConfig({ LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '1000000', ...(await authEnv('gateway')), ...env }),
  );
  return { app, url: await listen(app) };
}
