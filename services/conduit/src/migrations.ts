import { fileURLToPath } from 'node:url';
import type { MigrationTarget } from '@shipshape/platform/migrate';

export const migrations: MigrationTarget = {
  schema: 'conduit',
  dir: fileURLToPath(new URL('../migrations', import.meta.url)),
  lockValue: 7_300_004,
};
