// `npm run migrate [-- --service users]`: applies pending migrations. Safe to run concurrently (advisory lock).
// With STORE=dynamodb, orders and products get their DynamoDB tables instead (created when missing); users always
// live in PostgreSQL.
import { migrate } from '@shipshape/platform/migrate';
import { ConfigError } from '@shipshape/platform/config';
import { databaseUrlFromEnv, selectTargets } from './targets.ts';
import { DYNAMODB_TABLES, migrateDynamo, type DynamoService } from './dynamodb-tables.ts';

export async function migrateAll(
  databaseUrl: string,
  targets = selectTargets([]),
  log: (m: string) => void = () => {},
): Promise<void> {
  await Promise.all(
    targets.map(async ([name, t]) => {
      const ran = await migrate(t, { databaseUrl });
      log(`${name}: ${ran.length ? `applied ${ran.join(', ')}` : 'up to date'}`);
    }),
  );
}

const inDynamo = (name: string): name is DynamoService => name in DYNAMODB_TABLES;

if (import.meta.main) {
  const log = (m: string) => console.log(`migrate ${m}`);
  try {
    const targets = selectTargets(process.argv.slice(2));
    if (process.env.STORE === 'dynamodb') {
      await migrateDynamo(targets.map(([name]) => name).filter(inDynamo), process.env, log);
      const rest = targets.filter(([name]) => !inDynamo(name));
      if (rest.length) await migrateAll(databaseUrlFromEnv(), rest, log);
    } else {
      await migrateAll(databaseUrlFromEnv(), targets, log);
    }
  } catch (err) {
    const e = err as Error & { code?: string; name?: string };
    console.error(
      `migrate failed: ${err instanceof ConfigError ? e.message : `${e.code ?? e.name ?? ''} ${e.message}`.trim()}`,
    );
    process.exit(1);
  }
}
