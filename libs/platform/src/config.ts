// One schema per service drives env parsing, the README config table, and the chart/compose checkers.
import { readFileSync } from 'node:fs';
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Marks a config value as a secret: never logged, and also accepted as `<NAME>_FILE`. */
export const SECRET = 'x-secret';

export function secret<T extends TSchema>(schema: T): T {
  return { ...schema, [SECRET]: true };
}

const port = (def: number, description: string) =>
  Type.Integer({ minimum: 1, maximum: 65535, default: def, description });
const ms = (def: number, description: string) =>
  Type.Integer({ minimum: 0, maximum: 3_600_000, default: def, description });

/** A service's /metrics listener is on its port plus this, unless METRICS_PORT says otherwise. */
export const METRICS_PORT_OFFSET = 6000;

/** Settings every service shares. */
export function commonEnv(service: string, defaultPort: number) {
  return {
    PORT: port(defaultPort, `Port the ${service} service listens on.`),
    HOST: Type.String({ default: '0.0.0.0', description: 'Interface to bind.' }),
    METRICS_PORT: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 65535,
        description: `Port of the separate Prometheus /metrics listener (default: PORT + ${METRICS_PORT_OFFSET}); never published.`,
      }),
    ),
    LOG_LEVEL: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info', description: 'pino log level.' },
    ),
    COMPANY_NAME: Type.String({
      minLength: 1,
      default: 'Shipshape',
      description: 'Company name: returned by the gateway and used as the OpenAPI title.',
    }),
    SHUTDOWN_DRAIN_MS: ms(
      5000,
      'After SIGTERM, how long to keep serving while reporting not-ready, so load balancers stop sending traffic.',
    ),
    SHUTDOWN_TIMEOUT_MS: ms(20000, 'After the drain, how long in-flight requests get before the process exits anyway.'),
    BODY_TIMEOUT_MS: Type.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 10000,
      description:
        'How long a request body may take to arrive in full; a slower one is answered 408 and its connection closed.',
    }),
    OTEL_SERVICE_NAME: Type.Optional(
      Type.String({ description: 'OpenTelemetry service name (defaults to the service name).' }),
    ),
    OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(
      Type.String({
        description: 'OTLP/HTTP collector base URL, e.g. http://otel-collector:4318. Tracing export is off when unset.',
      }),
    ),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: Type.Optional(
      Type.String({ description: 'OTLP/HTTP traces URL; overrides OTEL_EXPORTER_OTLP_ENDPOINT for traces.' }),
    ),
    OTEL_EXPORTER_OTLP_HEADERS: Type.Optional(
      secret(Type.String({ description: 'Headers for the OTLP exporter (key=value,...).' })),
    ),
    OTEL_TRACES_SAMPLER: Type.Optional(
      Type.String({ description: 'Standard OpenTelemetry sampler name (parentbased_traceidratio, always_on, ...).' }),
    ),
    OTEL_TRACES_SAMPLER_ARG: Type.Optional(Type.String({ description: 'Sampler argument, e.g. 0.1.' })),
    OTEL_RESOURCE_ATTRIBUTES: Type.Optional(Type.String({ description: 'Extra resource attributes (key=value,...).' })),
    OTEL_SDK_DISABLED: Type.Boolean({ default: false, description: 'Disable tracing entirely.' }),
  };
}

/** PostgreSQL: DATABASE_URL, or the seed-compatible POSTGRES_* names. */
export const databaseEnv = {
  DATABASE_URL: Type.Optional(
    secret(Type.String({ description: 'postgres:// URL; takes precedence over POSTGRES_*.' })),
  ),
  POSTGRES_HOST: Type.String({ default: '127.0.0.1', description: 'PostgreSQL host.' }),
  POSTGRES_PORT: port(5432, 'PostgreSQL port.'),
  POSTGRES_DB: Type.String({ default: 'shipshape', description: 'Database name.' }),
  POSTGRES_USER: Type.String({ default: 'postgres', description: 'Database user.' }),
  POSTGRES_PASSWORD: Type.Optional(secret(Type.String({ description: 'Database password.' }))),
  DATABASE_SSL: Type.Union([Type.Literal('disable'), Type.Literal('require'), Type.Literal('verify-full')], {
    default: 'disable',
    description: 'TLS to PostgreSQL: disable, require (encrypted), verify-full (encrypted and certificate checked).',
  }),
  DATABASE_POOL_MAX: Type.Integer({
    minimum: 1,
    maximum: 200,
    default: 10,
    description: 'Maximum connections in the pool.',
  }),
  DATABASE_CONNECT_TIMEOUT_MS: ms(2000, 'How long to wait for a connection before failing with 503.'),
  DATABASE_STATEMENT_TIMEOUT_MS: ms(
    5000,
    'Server-side statement timeout; a statement on a server that stops answering fails a second after it (the read timeout).',
  ),
};

/** Where orders and products keep their data. Users always stay in PostgreSQL. */
export const storeEnv = {
  STORE: Type.Union([Type.Literal('postgres'), Type.Literal('dynamodb')], {
    default: 'postgres',
    description:
      'Where this service keeps its data: postgres, or dynamodb (orders and idempotency keys, or catalog, stock and reservations).',
  }),
};

/** DynamoDB settings, used when STORE=dynamodb. Credentials come from the AWS default chain (IRSA, ECS task role). */
export function dynamodbEnv(defaultTable: string) {
  return {
    DYNAMODB_TABLE: Type.String({
      pattern: '^[A-Za-z0-9_.-]{3,255}$',
      default: defaultTable,
      description: "The service's own DynamoDB table (STORE=dynamodb).",
    }),
    DYNAMODB_ENDPOINT: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description:
          'DynamoDB endpoint, e.g. http://127.0.0.1:8000 for DynamoDB Local; unset uses the AWS regional one.',
      }),
    ),
    AWS_REGION: Type.String({
      pattern: '^[a-z]{2}(-gov)?-[a-z]+-[0-9]$',
      default: 'us-east-1',
      description: 'AWS region of the DynamoDB table.',
    }),
    DYNAMODB_TIMEOUT_MS: Type.Integer({
      minimum: 100,
      maximum: 60_000,
      default: 2000,
      description: 'Deadline of each DynamoDB operation, retries of throttled or conflicting calls included; then 503.',
    }),
  };
}

const dynamoSettings = Type.Object(dynamodbEnv('x'));
export type DynamoSettings = Static<typeof dynamoSettings>;

/** Redis is optional: without REDIS_URL or REDIS_HOST an in-process cache is used. */
export const redisEnv = {
  REDIS_URL: Type.Optional(
    secret(Type.String({ description: 'redis:// or rediss:// URL; takes precedence over REDIS_*.' })),
  ),
  REDIS_HOST: Type.Optional(
    Type.String({ description: 'Redis host. Without REDIS_URL or REDIS_HOST the service uses an in-process cache.' }),
  ),
  REDIS_PORT: port(6379, 'Redis port.'),
  REDIS_PASSWORD: Type.Optional(secret(Type.String({ description: 'Redis AUTH password.' }))),
  REDIS_TLS: Type.Boolean({ default: false, description: 'Use TLS to Redis (ElastiCache in-transit encryption).' }),
  CACHE_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 86400, default: 60, description: 'Cache entry lifetime.' }),
  CACHE_LOCAL_TTL_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 3600,
    default: 30,
    description:
      'Lifetime of an entry in the in-process layer in front of Redis, which Redis keeps current by tracking its keys (CLIENT TRACKING); 0 turns the layer off.',
  }),
  CACHE_LOCAL_MAX_MB: Type.Integer({
    minimum: 1,
    maximum: 512,
    default: 16,
    description:
      'Memory the in-process layer in front of Redis may hold (keys and JSON), least recently used first out.',
  }),
  CACHE_NAMESPACE: Type.String({
    pattern: '^[A-Za-z0-9_.-]{1,64}$',
    default: 'shipshape',
    description: 'Prefix of every Redis key, so several deployments can share one Redis.',
  }),
};

export const upstreamEnv = {
  UPSTREAM_TIMEOUT_MS: ms(2000, 'Deadline for each call to another service, retries included.'),
  UPSTREAM_RETRIES: Type.Integer({
    minimum: 0,
    maximum: 5,
    default: 2,
    description: 'Retries (jittered backoff) for idempotent calls to other services.',
  }),
  BREAKER_FAILURE_RATIO: Type.Number({
    minimum: 0.01,
    maximum: 1,
    default: 0.5,
    description:
      'Share of calls to a service failing (timeouts, connection errors, 502/503/504) within the window that opens its circuit breaker.',
  }),
  BREAKER_WINDOW_MS: Type.Integer({
    minimum: 100,
    maximum: 3_600_000,
    default: 10000,
    description: 'Time window over which a circuit breaker measures the failure ratio.',
  }),
  BREAKER_MIN_THROUGHPUT: Type.Integer({
    minimum: 1,
    maximum: 100000,
    default: 20,
    description: 'Calls a circuit breaker must have seen within its window before it may open.',
  }),
  BREAKER_HALF_OPEN_AFTER_MS: ms(5000, 'How long an open circuit waits before letting a trial call through.'),
};

/** The breaker settings of `upstreamEnv`, as the service client takes them. */
export function breakerOptions(c: {
  BREAKER_FAILURE_RATIO: number;
  BREAKER_WINDOW_MS: number;
  BREAKER_MIN_THROUGHPUT: number;
  BREAKER_HALF_OPEN_AFTER_MS: number;
}) {
  return {
    failureRatio: c.BREAKER_FAILURE_RATIO,
    windowMs: c.BREAKER_WINDOW_MS,
    minThroughput: c.BREAKER_MIN_THROUGHPUT,
    halfOpenAfterMs: c.BREAKER_HALF_OPEN_AFTER_MS,
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ConfigRow {
  name: string;
  type: string;
  required: boolean;
  secret: boolean;
  default: unknown;
  description: string;
}

function typeName(s: TSchema): string {
  if (s.anyOf) return (s.anyOf as TSchema[]).map((x) => JSON.stringify(x.const)).join(' \\| ');
  return String(s.type ?? 'string');
}

/** Rows for docs and checkers: the one description of what a service reads from its environment. */
export function describeConfig(schema: TObject): ConfigRow[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([name, s]) => ({
    name,
    type: typeName(s),
    required: required.has(name) && s.default === undefined,
    secret: s[SECRET] === true,
    default: s.default,
    description: String(s.description ?? ''),
  }));
}

/** Every env name a service accepts, including `_FILE` variants of secrets. */
export function acceptedEnvNames(schema: TObject): string[] {
  return describeConfig(schema).flatMap((r) => (r.secret ? [r.name, `${r.name}_FILE`] : [r.name]));
}

/** Parses and validates env against the schema. Throws ConfigError naming the variable. */
export function loadConfig<T extends TObject>(schema: T, env: NodeJS.ProcessEnv = process.env): Static<T> {
  const raw: Record<string, unknown> = {};
  for (const row of describeConfig(schema)) {
    const fileVar = `${row.name}_FILE`;
    if (row.secret && env[fileVar] !== undefined && env[fileVar] !== '') {
      try {
        raw[row.name] = readFileSync(env[fileVar], 'utf8').trim();
      } catch (err) {
        throw new ConfigError(
          `${fileVar}: cannot read ${env[fileVar]} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        );
      }
    } else if (env[row.name] !== undefined && env[row.name] !== '') {
      raw[row.name] = env[row.name];
    }
  }
  const converted = Value.Convert(schema, Value.Default(schema, raw));
  const errors = [...Value.Errors(schema, converted)];
  if (errors.length > 0) {
    const messages = errors.map((e) => {
      const name = e.path.replace(/^\//, '').split('/')[0] || '(root)';
      const shown = (schema.properties[name] as TSchema | undefined)?.[SECRET]
        ? '<redacted>'
        : JSON.stringify(raw[name]);
      return raw[name] === undefined ? `${name} is required` : `${name} ${e.message.toLowerCase()} (got ${shown})`;
    });
    throw new ConfigError(`invalid configuration: ${[...new Set(messages)].join('; ')}`);
  }
  return converted as Static<T>;
}

export interface DatabaseSettings {
  DATABASE_URL?: string | undefined;
  POSTGRES_HOST: string;
  POSTGRES_PORT: number;
  POSTGRES_DB: string;
  POSTGRES_USER: string;
  POSTGRES_PASSWORD?: string | undefined;
}

export function databaseUrl(c: DatabaseSettings): string {
  if (c.DATABASE_URL) return c.DATABASE_URL;
  const auth = c.POSTGRES_PASSWORD
    ? `${encodeURIComponent(c.POSTGRES_USER)}:${encodeURIComponent(c.POSTGRES_PASSWORD)}`
    : encodeURIComponent(c.POSTGRES_USER);
  return `postgres://${auth}@${c.POSTGRES_HOST}:${c.POSTGRES_PORT}/${encodeURIComponent(c.POSTGRES_DB)}`;
}

export interface RedisSettings {
  REDIS_URL?: string | undefined;
  REDIS_HOST?: string | undefined;
  REDIS_PORT: number;
  REDIS_PASSWORD?: string | undefined;
  REDIS_TLS: boolean;
  CACHE_NAMESPACE?: string;
}

/** undefined means: no Redis configured, use the in-process cache. */
export function redisUrl(c: RedisSettings): string | undefined {
  if (c.REDIS_URL) return c.REDIS_URL;
  if (!c.REDIS_HOST) return undefined;
  const auth = c.REDIS_PASSWORD ? `:${encodeURIComponent(c.REDIS_PASSWORD)}@` : '';
  return `${c.REDIS_TLS ? 'rediss' : 'redis'}://${auth}${c.REDIS_HOST}:${c.REDIS_PORT}`;
}
