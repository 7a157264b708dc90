import { runService } from '@shipshape/platform/server';
import { readConfig } from './config.ts';
import { buildApp } from './app.ts';

// The service runs when this file is the entry point; imported (tools/dev/compile-cache.ts), it only loads.
if (import.meta.main) {
  await runService(
    'users',
    () => readConfig(),
    (config) => buildApp(config),
  );
}
