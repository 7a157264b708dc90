// Builds the users service as a Fastify app. Never listens.
import { createRequire } from 'node:module';
import { createService, attachDatabase, attachCache, type App } from '@shipshape/platform/service';
import { verifiersFrom } from '@shipshape/platform/auth';
import type { Config } from './config.ts';
import { migrations } from './migrations.ts';
import { UsersRepo } from './data/users-repo.ts';
import usersRoutes from './routes/users/index.ts';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

export async function buildApp(config: Config, opts: { logger?: boolean } = {}): Promise<App> {
  const app = await createService({
    name: 'users',
    version,
    description: 'Users: accounts with cached reads.',
    config,
    auth: verifiersFrom('users', config),
    ...opts,
  });
  const db = attachDatabase(app, 'users', config, migrations);
  const cache = attachCache(app, 'users', config);
  await app.register(usersRoutes, { repo: new UsersRepo(db), cache });
  return app;
}
