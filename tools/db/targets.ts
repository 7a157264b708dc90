// The services that own a schema, with their migrations and config: the one list the db commands walk.
import { databaseUrl, loadConfig } from '@shipshape/platform/config';
import type { MigrationTarget } from '@shipshape/platform/migrate';
import { configSchema as usersConfig } from '../../services/users/src/config.ts';
import { configSchema as productsConfig } from '../../services/products/src/config.ts';
import { configSchema as ordersConfig } from '../../services/orders/src/config.ts';
import { configSchema as conduitConfig } from '../../services/conduit/src/config.ts';
import { migrations as usersMigrations } from '../../services/users/src/migrations.ts';
import { migrations as productsMigrations } from '../../services/products/src/migrations.ts';
import { migrations as ordersMigrations } from '../../services/orders/src/migrations.ts';
import { migrations as conduitMigrations } from '../../services/conduit/src/migrations.ts';
import { Type } from '@sinclair/typebox';
import { databaseEnv } from '@shipshape/platform/config';

export const TARGETS: Record<string, MigrationTarget> = {
  users: usersMigrations,
  products: productsMigrations,
  orders: ordersMigrations,
  conduit: conduitMigrations,
};

// Keep the schemas referenced so the db tools accept exactly what the services accept.
void usersConfig;
void productsConfig;
void ordersConfig;
void conduitConfig;

/** The database URL from the same variables the services read (DATABASE_URL or POSTGRES_*, with _FILE). */
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return databaseUrl(loadConfig(Type.Object(databaseEnv), env));
}

export function selectTargets(argv: string[]): [string, MigrationTarget][] {
  const i = argv.indexOf('--service');
  const name = i >= 0 ? argv[i + 1] : undefined;
  if (!name) return Object.entries(TARGETS);
  const t = TARGETS[name];
  if (!t) {
    process.stderr.write(`unknown service "${name}"; one of: ${Object.keys(TARGETS).join(', ')}\n`);
    process.exit(2);
  }
  return [[name, t]];
}
