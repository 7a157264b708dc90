import { fileURLToPath } from 'node:url';
import type { MigrationTarget } from '@shipshape/platform/migrate';

export const migrations: MigrationTarget = {
  schema: 'catalog',
  dir: fileURLToPath(new URL('../migrations', import.meta.url)),
  lockValue: 7_300_002,
};
