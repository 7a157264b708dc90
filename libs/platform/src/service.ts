// Builds a service's Fastify app with every platform piece registered. Never listens (see server.ts).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type preParsingHookHandler,
  type RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import problems from './errors.ts';
import { badInputProblem } from './input-guard.ts';
import { clientErrorHandler, frameworkErrors } from './framework-errors.ts';
import { authPlugin, type AuthOptions } from './auth.ts';
import metricsPlugin, { Metrics } from './metrics.ts';
import tracingPlugin, { QUIET_PATHS, Tracing, requestLogger, type TracingSettings } from './tracing.ts';
import healthPlugin, { Health } from './health.ts';
import { loggerOptions } from './logger.ts';
import { Database } from './db.ts';
import { pendingMigrations, type MigrationTarget } from './migrate.ts';
import { Cache, createCacheBackend, type CachedRead } from './cache.ts';
import { NearCache } from './near-cache.ts';
import { databaseUrl, redisUrl, type DatabaseSettings, type RedisSettings } from './config.ts';
import { decodeCursor, ProblemSchema, toPage, type KeysetPosition, type PageOf } from './schemas.ts';

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface ServiceSettings extends TracingSettings {
  LOG_LEVEL: string;
  COMPANY_NAME: string;
  BODY_TIMEOUT_MS?: number;
}

export interface ServiceOptions {
  name: string;
  version: string;
  description: string;
  config: ServiceSettings;
  bodyLimit?: number;
  trustProxy?: boolean | number | string;
  /** Tests pass false to keep output quiet. */
  logger?: boolean;
  /** false: the service serves its own combined docs (the gateway). */
  docs?: boolean;
  /** OpenAPI security schemes besides `bearerAuth` (conduit's RealWorld `Token`). */
  securitySchemes?: Record<string, Record<string, unknown>>;
  /** false: the service documents its own error format (conduit's RealWorld errors) instead of RFC 9457 problems. */
  problemResponses?: boolean;
  /** Token verifiers; without them every caller is anonymous, so only public routes answer. */
  auth?: Omit<AuthOptions, 'service'>;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The methods Fastify reads no body for. */
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'TRACE']);

/** Accepts a well-formed incoming X-Request-ID, else makes one. */
export function requestIdFrom(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

export async function createService(o: ServiceOptions): Promise<App> {
  const tracing = new Tracing(o.name, o.version, o.config);
  const app = Fastify({
    logger: o.logger === false ? false : loggerOptions(o.name, o.config.LOG_LEVEL),
    genReqId: requestIdFrom,
    childLoggerFactory: requestLogger(tracing),
    // Probes and scrapes would drown the request log.
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      disableRequestLogging: (req) => QUIET_PATHS.test(req.url ?? ''),
    }),
    bodyLimit: o.bodyLimit ?? 1_048_576,
    // A hop count is valid at runtime; Fastify's types only list boolean and string forms.
    trustProxy: (o.trustProxy ?? false) as boolean | string,
    return503OnClosing: true,
    frameworkErrors,
    clientErrorHandler,
    forceCloseConnections: 'idle',
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const metrics = new Metrics(o.name);
  // First, so every route registered after it must declare who may call it.
  await app.register(authPlugin, { service: o.name, ...o.auth });
  await app.register(problems);
  await app.register(metricsPlugin, { metrics });
  await app.register(tracingPlugin, { tracing });
  await app.register(healthPlugin, { health: new Health() });
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    // While draining, every answer closes its connection: a keep-alive socket of a request that was in flight when
    // the shutdown began would otherwise hold the server open for the whole keep-alive timeout.
    if (app.health.isDraining()) reply.header('connection', 'close');
    done();
  });
  // A body that trickles in is cut off: it would otherwise hold a connection (and a parser) for as long as the client
  // likes. Timed from the first hook, so the headers' time counts too. Only routes that read a body get the hook
  // (Fastify reads none for GET, HEAD or TRACE), and requests without one pass it at once.
  const bodyTimeoutMs = o.config.BODY_TIMEOUT_MS ?? 10_000;
  const bodyTimeout: preParsingHookHandler = (request, reply, payload, done) => {
    if (request.headers['content-length'] === undefined && request.headers['transfer-encoding'] === undefined) {
      done(null, payload);
      return;
    }
    const timer = setTimeout(() => {
      reply.header('connection', 'close');
      payload.emit(
        'error',
        Object.assign(new Error(`the request body did not arrive in full within ${bodyTimeoutMs} ms`), {
          statusCode: 408,
        }),
      );
    }, bodyTimeoutMs);
    const clear = () => clearTimeout(timer);
    payload.once('end', clear);
    payload.once('close', clear);
    payload.once('error', clear);
    done(null, payload);
  };
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.every((m) => BODYLESS_METHODS.has(m))) return;
    const own = route.preParsing;
    route.preParsing = own === undefined ? [bodyTimeout] : [...(Array.isArray(own) ? own : [own]), bodyTimeout];
  });
  app.addHook('preHandler', (request, _reply, done) => {
    done(badInputProblem(request));
  });
  app.addHook('onSend', (_request, reply, _payload, done) => {
    if (app.health.isDraining()) reply.header('connection', 'close');
    done();
  });
  if (o.docs === false) return app;
  await app.register(swagger, {
    ...(o.problemResponses === false ? {} : { transformObject: withProblemResponses }),
    openapi: {
      openapi: '3.1.0',
      info: { title: o.config.COMPANY_NAME, version: o.version, description: o.description },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          ...o.securitySchemes,
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  return app;
}

type Operation = {
  parameters?: unknown[];
  requestBody?: unknown;
  security?: unknown[];
  responses?: Record<string, unknown>;
};

/** The errors every operation can answer with, each an RFC 9457 problem: what the central error handler sends. */
function errorResponses(path: string, op: Operation): Record<string, string> {
  const errors: Record<string, string> = {};
  if (op.parameters?.length || op.requestBody) errors['400'] = 'Invalid input; `errors` names each field.';
  if (op.security?.length) {
    errors['401'] = 'No valid token.';
    errors['403'] = 'The token does not allow this.';
  }
  if (path.includes('{')) errors['404'] = 'No such resource.';
  errors['500'] = 'Unexpected error; the detail never includes internals.';
  errors['503'] = 'A dependency (database, another service) is unavailable, or the service is draining.';
  return errors;
}

/** @fastify/swagger's transformObject: the Problem schema, and the error responses of every operation. */
function withProblemResponses(
  documentObject: { openapiObject: Partial<Record<string, unknown>> } | { swaggerObject: unknown },
): Record<string, unknown> {
  if (!('openapiObject' in documentObject)) return documentObject.swaggerObject as Record<string, unknown>;
  const doc = documentObject.openapiObject as {
    paths?: Record<string, Record<string, Operation>>;
    components?: { schemas?: Record<string, unknown> };
  };
  const { $id: _id, ...problem } = ProblemSchema;
  doc.components = { ...doc.components, schemas: { ...doc.components?.schemas, Problem: problem } };
  const content = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const op of Object.values(item)) {
      if (typeof op !== 'object' || op === null || !('responses' in op)) continue;
      const responses: Record<string, unknown> = { ...op.responses };
      for (const [status, description] of Object.entries(errorResponses(path, op)))
        responses[status] ??= { description, content };
      op.responses = responses;
    }
  }
  return doc;
}

export interface DatabaseConfig extends DatabaseSettings {
  DATABASE_SSL: 'disable' | 'require' | 'verify-full';
  DATABASE_POOL_MAX: number;
  DATABASE_CONNECT_TIMEOUT_MS: number;
  DATABASE_STATEMENT_TIMEOUT_MS: number;
}

/** A pool for the service, with readiness checks for connectivity and applied migrations. */
export function attachDatabase(app: App, name: string, c: DatabaseConfig, migrations: MigrationTarget): Database {
  const db = new Database(
    {
      url: databaseUrl(c),
      ssl: c.DATABASE_SSL,
      poolMax: c.DATABASE_POOL_MAX,
      connectTimeoutMs: c.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: c.DATABASE_STATEMENT_TIMEOUT_MS,
      applicationName: name,
    },
    app.metrics,
    app.log,
  );
  let migrated = false;
  app.health.add({
    name: 'database',
    required: true,
    run: async () => {
      await db.ping();
      return { ok: true };
    },
  });
  app.health.add({
    name: 'migrations',
    required: true,
    run: async () => {
      if (migrated) return { ok: true };
      const pending = await pendingMigrations(migrations, (text) => db.query('migrations_check', text));
      migrated = pending.length === 0;
      return migrated ? { ok: true } : { ok: false, detail: `pending: ${pending.join(', ')}` };
    },
  });
  app.addHook('onClose', async () => db.close());
  return db;
}

export interface CacheConfig extends RedisSettings {
  CACHE_TTL_SECONDS: number;
  CACHE_LOCAL_TTL_SECONDS?: number;
  CACHE_LOCAL_MAX_MB?: number;
}

/** The service's cache; optional for readiness, so an outage only marks the service degraded. */
export function attachCache(app: App, name: string, c: CacheConfig): Cache {
  const prefix = `${c.CACHE_NAMESPACE ?? 'shipshape'}:${name}`;
  const url = redisUrl(c);
  const backend = createCacheBackend(url, `${prefix}:`, app.metrics, app.log);
  const localTtl = c.CACHE_LOCAL_TTL_SECONDS ?? 0;
  const near =
    url && localTtl > 0
      ? new NearCache(
          url,
          { prefix: `${prefix}:`, ttlSeconds: localTtl, maxBytes: (c.CACHE_LOCAL_MAX_MB ?? 16) * 1024 * 1024 },
          app.log,
        )
      : undefined;
  app.health.add({
    name: 'cache',
    required: false,
    run: async () =>
      backend.isUp()
        ? { ok: true, detail: near?.isActive() ? `${backend.kind} + local` : backend.kind }
        : { ok: false, detail: 'redis unreachable; reads served from the database' },
  });
  app.addHook('onClose', async () => {
    await near?.close();
    await backend.close();
  });
  return new Cache(backend, prefix, name, c.CACHE_TTL_SECONDS, app.metrics, app.log, near);
}

/**
 * A page of a collection. First pages are cached: the key carries the collection's generation, so any write
 * invalidates them all, and there is one per `limit`. Later pages are read from the database: a client can make up
 * any number of cursors, and each would otherwise leave an entry behind.
 */
export async function cachedPage<T extends KeysetPosition, R extends AnyReply>(
  cache: Cache,
  reply: R,
  query: { limit: number; cursor?: string | undefined },
  list: (limit: number, after: KeysetPosition | undefined) => Promise<T[]>,
): Promise<R> {
  const after = decodeCursor(query.cursor);
  if (after) {
    untyped(reply)
      .header('x-cache', 'bypass')
      .send(toPage(await list(query.limit, after), query.limit));
    return reply;
  }
  const gen = await cache.generation('list');
  const found = await cache.read<PageOf<T>>(`list:${gen}:${query.limit}:`, async () =>
    toPage(await list(query.limit, undefined), query.limit),
  );
  return sendCached(reply, found as CachedRead);
}

/**
 * Any route's reply, whatever its typed response schema: every FastifyReply has these methods, and `send(never)`
 * accepts every payload type, so routes pass their TypeBox-typed reply as it is.
 */
export interface AnyReply {
  header(key: string, value: string): unknown;
  send(payload: never): unknown;
}

/** The reply as Fastify's untyped one, for sending what the route's schema already describes (stored JSON). */
const untyped = (reply: AnyReply): FastifyReply => reply as FastifyReply;

/** Sends a problem body kept from an earlier answer (an idempotent replay) as it was, whatever the route's schema. */
export function sendStoredProblem<R extends AnyReply>(reply: R, status: number, body: unknown): R {
  untyped(reply).code(status).type('application/problem+json').serializer(JSON.stringify).send(body);
  return reply;
}

/**
 * Answers a read through `cache`: a hit of its in-process layer at once, with no promise (most reads under load);
 * otherwise once `read` has it. A key with no value is answered with `missing()`'s error.
 */
export function replyCached<R extends AnyReply>(
  cache: Cache,
  reply: R,
  key: string,
  load: () => Promise<unknown>,
  missing: () => Error,
): Promise<void> | undefined {
  const near = cache.peek(key);
  if (near) {
    sendCached(reply, near);
    return undefined;
  }
  return cache.read(key, load).then((found) => {
    if (!found) throw missing();
    sendCached(reply, found);
  });
}

/** Sends a cached read as stored, with its X-Cache header (the JSON is the route's response shape already). */
export function sendCached<R extends AnyReply>(reply: R, found: CachedRead): R {
  untyped(reply)
    .header('x-cache', found.hit ? 'hit' : 'miss')
    .type('application/json; charset=utf-8')
    .send(found.json);
  return reply;
}
