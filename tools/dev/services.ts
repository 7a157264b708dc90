// The one list of Shipshape's services: the launcher, the docs generators, the checks (chart, Terraform,
// observability) and the benchmark read names, ports, schemas and files from here. A new service is one entry.
import type { TObject } from '@sinclair/typebox';
import { METRICS_PORT_OFFSET } from '@shipshape/platform/config';
import type { MigrationTarget } from '@shipshape/platform/migrate';
import { configSchema as gateway } from '../../services/gateway/src/config.ts';
import { configSchema as orders } from '../../services/orders/src/config.ts';
import { configSchema as products } from '../../services/products/src/config.ts';
import { configSchema as users } from '../../services/users/src/config.ts';
import { configSchema as conduit } from '../../services/conduit/src/config.ts';
import { migrations as ordersDatabase } from '../../services/orders/src/migrations.ts';
import { migrations as productsDatabase } from '../../services/products/src/migrations.ts';
import { migrations as usersDatabase } from '../../services/users/src/migrations.ts';
import { migrations as conduitDatabase } from '../../services/conduit/src/migrations.ts';

/** In port order. */
export const SERVICES = ['gateway', 'users', 'products', 'orders', 'conduit'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The one Dockerfile every service image is built from, told which service by its build arguments (imageArgs). */
export const DOCKERFILE = 'Dockerfile';

/** The Prometheus `/metrics` listener of every service is its service port plus this offset (METRICS_PORT). */
export { METRICS_PORT_OFFSET } from '@shipshape/platform/config';

export interface ServiceInfo {
  name: ServiceName;
  /** Default PORT, read from the service's config schema. */
  port: number;
  /** Default METRICS_PORT: port + METRICS_PORT_OFFSET. */
  metricsPort: number;
  /** The PostgreSQL schema the service owns and migrates, if it has a database. */
  dbSchema: string | undefined;
  /** What `npm run migrate` applies for it (schema, migrations folder, advisory lock), if it has a database. */
  migrationTarget: MigrationTarget | undefined;
  /** Whether it uses Redis (cache, rate limits) when REDIS_URL is set. */
  redis: boolean;
  /** The services it calls, each reached through `<NAME>_URL`. */
  calls: readonly ServiceName[];
  /** Its error bodies: RFC 9457 problems, or the RealWorld format (conduit's /api). */
  errors: 'problem' | 'realworld';
  /** The config schema: env names, defaults, secrets. */
  config: TObject;
  /** The build arguments of its image (DOCKERFILE): the service, and the port the image EXPOSEs and probes. */
  imageArgs: { SERVICE: ServiceName; PORT: string };
  /** Repository paths. */
  dir: string;
  configModule: string;
  entry: string;
  readme: string;
  migrations: string | undefined;
}

function defaultPort(name: string, config: TObject): number {
  const port = config.properties.PORT?.default;
  if (typeof port !== 'number') throw new Error(`services/${name}/src/config.ts declares no default PORT`);
  return port;
}

function service(
  name: ServiceName,
  config: TObject,
  o: { database?: MigrationTarget; redis: boolean; calls?: readonly ServiceName[]; errors?: 'realworld' },
): ServiceInfo {
  const dir = `services/${name}`;
  const port = defaultPort(name, config);
  return {
    name,
    port,
    metricsPort: port + METRICS_PORT_OFFSET,
    dbSchema: o.database?.schema,
    migrationTarget: o.database,
    redis: o.redis,
    calls: o.calls ?? [],
    errors: o.errors ?? 'problem',
    config,
    imageArgs: { SERVICE: name, PORT: String(port) },
    dir,
    configModule: `${dir}/src/config.ts`,
    entry: `${dir}/src/server.ts`,
    readme: `${dir}/README.md`,
    migrations: o.database ? `${dir}/migrations` : undefined,
  };
}

export const REGISTRY: Readonly<Record<ServiceName, ServiceInfo>> = {
  gateway: service('gateway', gateway, { redis: true, calls: ['users', 'products', 'orders', 'conduit'] }),
  users: service('users', users, { database: usersDatabase, redis: true }),
  products: service('products', products, { database: productsDatabase, redis: true }),
  orders: service('orders', orders, { database: ordersDatabase, redis: false, calls: ['users', 'products'] }),
  conduit: service('conduit', conduit, { database: conduitDatabase, redis: true, errors: 'realworld' }),
};

/** Every service, in port order. */
export const SERVICE_LIST: readonly ServiceInfo[] = SERVICES.map((s) => REGISTRY[s]);

/** Start waves: each service starts after every service it calls is ready. */
export const START_WAVES: readonly (readonly ServiceName[])[] = (() => {
  const waves: ServiceName[][] = [];
  const started = new Set<ServiceName>();
  while (started.size < SERVICES.length) {
    const wave = SERVICES.filter((s) => !started.has(s) && REGISTRY[s].calls.every((c) => started.has(c)));
    if (wave.length === 0) throw new Error('the services call each other in a cycle');
    for (const s of wave) started.add(s);
    waves.push(wave);
  }
  return waves;
})();

export const SERVICE_SCHEMAS: Record<ServiceName, TObject> = Object.fromEntries(
  SERVICES.map((s) => [s, REGISTRY[s].config]),
) as Record<ServiceName, TObject>;

export const isServiceName = (name: string): name is ServiceName => (SERVICES as readonly string[]).includes(name);

/** The PostgreSQL schemas the services own. */
export const DB_SCHEMAS: readonly string[] = SERVICE_LIST.flatMap((s) => (s.dbSchema ? [s.dbSchema] : []));

/** Caller -> callee edges of the call graph. */
export const CALL_GRAPH: ReadonlyArray<readonly [ServiceName, ServiceName]> = SERVICE_LIST.flatMap((s) =>
  s.calls.map((callee) => [s.name, callee] as const),
);

/** The env variable a caller reads a callee's base URL from. */
export const urlEnv = (name: ServiceName): string => `${name.toUpperCase()}_URL`;

/** The lowest default port: `npm start --port P` shifts every service by P minus this. */
export const BASE_PORT = Math.min(...SERVICE_LIST.map((s) => s.port));

/** A service's port when the whole system is shifted to start at `basePort`. */
export const shiftedPort = (name: ServiceName, basePort: number): number => basePort + REGISTRY[name].port - BASE_PORT;

/** Where Prometheus scrapes a service, from the URL it serves its API on: host:(port + METRICS_PORT_OFFSET). */
export function metricsAddress(serviceUrl: string): string {
  const url = new URL(serviceUrl);
  return `${url.hostname}:${Number(url.port) + METRICS_PORT_OFFSET}`;
}
