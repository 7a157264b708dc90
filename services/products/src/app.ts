// Builds the products service (catalog and inventory) as a Fastify app. Never listens.
import { createRequire } from 'node:module';
import { createService, attachDatabase, attachCache, type App } from '@shipshape/platform/service';
import { verifiersFrom } from '@shipshape/platform/auth';
import type { Config } from './config.ts';
import { migrations } from './migrations.ts';
import { ProductsRepo } from './data/products-repo.ts';
import { ReservationsRepo } from './data/reservations-repo.ts';
import type { ProductStore } from './domain/catalog.ts';
import type { ReservationStore } from './domain/reservations.ts';
import faultInjection from './plugins/fault-injection.ts';
import productsRoutes from './routes/products/index.ts';
import reservationRoutes from './routes/reservations/index.ts';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

export async function buildApp(config: Config, opts: { logger?: boolean } = {}): Promise<App> {
  const app = await createService({
    name: 'products',
    version,
    description: 'Products: catalog and inventory.',
    config,
    auth: verifiersFrom('products', config),
    ...opts,
  });
  const cache = attachCache(app, 'products', config);
  const { products, reservations } = await stores(app, config);
  await app.register(faultInjection, { errorRatio: config.FAULT_ERROR_RATIO, delayMs: config.FAULT_DELAY_MS });
  await app.register(productsRoutes, { repo: products, cache });
  await app.register(reservationRoutes, { store: reservations, cache });
  return app;
}

/** The catalog's stores for STORE: PostgreSQL (schema catalog) or DynamoDB (the service's table), loaded only if used. */
async function stores(app: App, config: Config): Promise<{ products: ProductStore; reservations: ReservationStore }> {
  if (config.STORE === 'dynamodb') {
    const { attachDynamo } = await import('@shipshape/platform/dynamodb');
    const { DynamoCatalogStore } = await import('./data/dynamodb/catalog-store.ts');
    const catalog = new DynamoCatalogStore(attachDynamo(app, config));
    return { products: catalog, reservations: catalog };
  }
  const db = attachDatabase(app, 'products', config, migrations);
  return { products: new ProductsRepo(db), reservations: new ReservationsRepo(db) };
}
