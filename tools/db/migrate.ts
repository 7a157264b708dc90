// `npm run migrate [-- --service users]`: applies pending migrations. Safe to run concurrently (advisory lock).
import { migrate } from '@shipshape/platform/migrate';
import { ConfigError } from '@shipshape/platform/config';
import { databaseUrlFromEnv, selectTargets } from './targets.ts';

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

if (import.meta.main) {
  try {
    await migrateAll(databaseUrlFromEnv(), selectTargets(process.argv.slice(2)), (m) => console.log(`migrate ${m}`));
  } catch (err) {
    const e = err as Error & { code?: string };
    console.error(`migrate failed: ${err instanceof ConfigError ? e.message : `${e.code ?? ''} ${e.message}`.trim()}`);
    process.exit(1);
  }
}
