// Builds the products service (catalog and inventory) as a Fastify app. Never listens.
import { createRequire } from 'node:module';
import { createService, attachDatabase, attachCache, type App } from '@shipshape/platform/service';
import type { Config } from './config.ts';
import { migrations } from './migrations.ts';
import { ProductsRepo } from './data/products-repo.ts';
import { ReservationsRepo } from './data/reservations-repo.ts';
import adminAuth from './plugins/admin-auth.ts';
import faultInjection from './plugins/fault-injection.ts';
import productsRoutes from './routes/products/index.ts';
import reservationRoutes from './routes/reservations/index.ts';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

export async function buildApp(config: Config, opts: { logger?: boolean } = {}): Promise<App> {
  if (config.STORE === 'dynamodb') throw new Error('STORE=dynamodb is not available in this build');
  const app = await createService({
    name: 'products',
    version,
    description: 'Products: catalog and inventory.',
    config,
    ...opts,
  });
  const db = attachDatabase(app, 'products', config, migrations);
  const cache = attachCache(app, 'products', config);
  const repo = new ProductsRepo(db);
  await app.register(faultInjection, { errorRatio: config.FAULT_ERROR_RATIO, delayMs: config.FAULT_DELAY_MS });
  await app.register(adminAuth, { secret: config.JWT_SECRET });
  await app.register(productsRoutes, { repo, cache });
  await app.register(reservationRoutes, { store: new ReservationsRepo(db), cache });
  return app;
}
