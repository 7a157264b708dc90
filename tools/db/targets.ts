// The services that own a schema, with their migrations, from the one list of services (tools/dev/services.ts):
// what the db commands walk.
import { Type } from '@sinclair/typebox';
import { databaseEnv, databaseUrl, loadConfig } from '@shipshape/platform/config';
import type { MigrationTarget } from '@shipshape/platform/migrate';
import { SERVICE_LIST } from '../dev/services.ts';

export const TARGETS: Record<string, MigrationTarget> = Object.fromEntries(
  SERVICE_LIST.flatMap((s): [string, MigrationTarget][] => (s.migrationTarget ? [[s.name, s.migrationTarget]] : [])),
);

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
