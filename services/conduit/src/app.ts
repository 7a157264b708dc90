// Builds the conduit service (a RealWorld backend) as a Fastify app. Never listens.
// Everything under /api follows the RealWorld specification (errors, `Token` scheme, CORS); health, readiness,
// metrics and docs are the platform's like every other service.
import { createRequire } from 'node:module';
import cors from '@fastify/cors';
import { createService, attachDatabase, attachCache, type App } from '@shipshape/platform/service';
import { realWorldErrors } from '@shipshape/platform/realworld-errors';
import type { Config } from './config.ts';
import { migrations } from './migrations.ts';
import { UsersRepo } from './data/users-repo.ts';
import { ArticlesRepo } from './data/articles-repo.ts';
import { CommentsRepo } from './data/comments-repo.ts';
import { Accounts } from './domain/accounts.ts';
import { Articles } from './domain/articles.ts';
import { Tokens } from './domain/tokens.ts';
import auth from './plugins/auth.ts';
import { useRealWorldErrors } from './plugins/realworld-errors.ts';
import usersRoutes from './routes/users/index.ts';
import profilesRoutes from './routes/profiles/index.ts';
import articlesRoutes from './routes/articles/index.ts';
import commentsRoutes from './routes/comments/index.ts';
import tagsRoutes from './routes/tags/index.ts';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** CORS_ORIGINS: "*" or a comma-separated list of origins. */
export const corsOrigins = (value: string): string | string[] =>
  value.trim() === '*'
    ? '*'
    : value
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean);

export async function buildApp(config: Config, opts: { logger?: boolean } = {}): Promise<App> {
  const app = await createService({
    name: 'conduit',
    version,
    description: 'Conduit: a RealWorld backend (articles, profiles, comments, favorites, tags) under /api.',
    config,
    problemResponses: false,
    securitySchemes: {
      Token: {
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
        description: 'RealWorld scheme: `Authorization: Token <jwt>`, the token from registration or login.',
      },
    },
    ...opts,
  });
  // What the platform answers itself under /api (a URL that does not decode, say) also speaks RealWorld.
  app.addHook('onSend', realWorldErrors);
  const db = attachDatabase(app, 'conduit', config, migrations);
  const cache = attachCache(app, 'conduit', config);
  const users = new UsersRepo(db);
  const tokens = new Tokens(config.CONDUIT_JWT_SECRET, config.CONDUIT_JWT_TTL_SECONDS);
  const accounts = new Accounts(users, tokens);
  const articles = new Articles(new ArticlesRepo(db), cache);
  const comments = new CommentsRepo(db);

  await app.register(
    async (api: App) => {
      useRealWorldErrors(api);
      await api.register(cors, {
        origin: corsOrigins(config.CORS_ORIGINS),
        methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
        // Whatever headers the browser asks for (Authorization, Content-Type, X-Requested-With, ...): tokens travel in
        // a header and no cookies are used, so reflecting them grants nothing a script could not send anyway.
        exposedHeaders: ['X-Request-ID'],
        maxAge: 600,
      });
      // Every route below declares access 'own': the RealWorld `Token` scheme (this plugin) authenticates it.
      await api.register(auth, { tokens });
      await api.register(usersRoutes, { accounts, articles });
      await api.register(profilesRoutes, { users });
      await api.register(articlesRoutes, { articles });
      await api.register(commentsRoutes, { articles, comments });
      await api.register(tagsRoutes, { articles });
    },
    { prefix: '/api' },
  );
  return app;
}
