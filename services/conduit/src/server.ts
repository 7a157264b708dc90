import { runService } from '@shipshape/platform/server';
import { readConfig } from './config.ts';
import { buildApp } from './app.ts';

await runService(
  'conduit',
  () => readConfig(),
  (config) => buildApp(config),
);
