// Builds the orders service as a Fastify app. Never listens.
import { createRequire } from 'node:module';
import { createService, attachDatabase, type App } from '@shipshape/platform/service';
import { verifiersFrom } from '@shipshape/platform/auth';
import type { Config } from './config.ts';
import { migrations } from './migrations.ts';
import { OrdersRepo } from './data/orders-repo.ts';
import { IdempotencyRepo } from './data/idempotency-repo.ts';
import type { IdempotencyStore, OrderStore } from './domain/stores.ts';
import { Dependencies } from './clients/dependencies.ts';
import { startReconciler } from './domain/reconciler.ts';
import ordersRoutes from './routes/orders/index.ts';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

export async function buildApp(config: Config, opts: { logger?: boolean; reconciler?: boolean } = {}): Promise<App> {
  const { signer, ...auth } = verifiersFrom('orders', config);
  if (!signer) throw new Error('SERVICE_PRIVATE_KEY is required');
  const app = await createService({
    name: 'orders',
    version,
    description: 'Orders: idempotent order placement over users and products.',
    config,
    auth,
    logger: opts.logger ?? true,
  });
  const { orders, keys } = await stores(app, config);
  const deps = new Dependencies(app, config, signer);
  const cancelled = app.metrics.counter('shipshape_orders_cancelled_total', 'Orders cancelled (stock returned).');
  await app.register(ordersRoutes, { orders, keys, deps, cancelled });
  if (opts.reconciler !== false) {
    const released = app.metrics.counter(
      'shipshape_reconciler_released_total',
      'Reservations released by the reconciler.',
    );
    const committed = app.metrics.counter(
      'shipshape_reconciler_committed_total',
      'Reservations of recorded orders committed by the reconciler.',
    );
    const stop = startReconciler(
      { orders, keys, deps, log: app.log, released, committed, cancelled, graceMs: config.RECONCILE_GRACE_MS },
      config.RECONCILE_INTERVAL_MS,
    );
    // onClose hooks run last-registered first: the reconciler stops before the pool it uses is closed.
    app.addHook('onClose', stop);
  }
  return app;
}

/** The orders' stores for STORE: PostgreSQL (schema orders) or DynamoDB (the service's table), loaded only if used. */
async function stores(app: App, config: Config): Promise<{ orders: OrderStore; keys: IdempotencyStore }> {
  if (config.STORE === 'dynamodb') {
    const { attachDynamo } = await import('@shipshape/platform/dynamodb');
    const { DynamoOrdersStore } = await import('./data/dynamodb/orders-store.ts');
    const store = new DynamoOrdersStore(
      attachDynamo(app, config),
      config.IDEMPOTENCY_TTL_HOURS,
      config.IDEMPOTENCY_LEASE_MS,
    );
    return { orders: store, keys: store };
  }
  const db = attachDatabase(app, 'orders', config, migrations);
  const keys = new IdempotencyRepo(db, config.IDEMPOTENCY_TTL_HOURS, config.IDEMPOTENCY_LEASE_MS);
  return { orders: new OrdersRepo(db), keys };
}
