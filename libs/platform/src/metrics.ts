// Prometheus metrics: one registry per app (so several apps can live in one test process), RED per route template.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createServer, type Server } from 'node:http';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const statusClass = (status: number | undefined): string => (status ? `${Math.floor(status / 100)}xx` : 'error');

export class Metrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status_class'>;
  readonly httpActive: Gauge;
  readonly clientDuration: Histogram<'target' | 'operation' | 'status_class'>;
  readonly clientRetries: Counter<'target' | 'operation'>;
  readonly breakerState: Gauge<'target'>;
  readonly breakerTransitions: Counter<'target' | 'state'>;
  readonly dbDuration: Histogram<'operation' | 'outcome'>;
  readonly dbErrors: Counter<'kind'>;
  readonly dbConnections: Gauge<'state'>;
  readonly dbConnectionsMax: Gauge;
  /** Read at every scrape for `db_client_connections`: set by the service's database, which knows its pool. */
  dbPoolState: (() => { idle: number; used: number; waiting: number }) | undefined;
  readonly cacheRequests: Counter<'cache' | 'result'>;
  readonly ready: Gauge;
  private cacheUpGauge: Gauge | undefined;

  constructor(service: string) {
    this.registry = new Registry();
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = this.histogram(
      'http_server_request_duration_seconds',
      'Duration of HTTP server requests, by route template.',
      ['method', 'route', 'status_class'],
    );
    this.httpActive = this.gauge('http_server_active_requests', 'In-flight HTTP server requests.');
    this.clientDuration = this.histogram(
      'http_client_request_duration_seconds',
      'Duration of calls to other services, retries included.',
      ['target', 'operation', 'status_class'],
    );
    this.clientRetries = this.counter('http_client_retries_total', 'Retries of calls to other services.', [
      'target',
      'operation',
    ]);
    this.breakerState = this.gauge('circuit_breaker_state', 'Circuit breaker state: 0 closed, 1 half-open, 2 open.', [
      'target',
    ]);
    this.breakerTransitions = this.counter('circuit_breaker_transitions_total', 'Circuit breaker state changes.', [
      'target',
      'state',
    ]);
    this.dbDuration = this.histogram('db_client_operation_duration_seconds', 'Duration of database operations.', [
      'operation',
      'outcome',
    ]);
    this.dbErrors = this.counter(
      'db_client_errors_total',
      'Database errors by kind: connection, auth, timeout, query.',
      ['kind'],
    );
    const metrics = this;
    this.dbConnections = new Gauge({
      name: 'db_client_connections',
      help: 'Database pool connections by state.',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const s = metrics.dbPoolState?.();
        if (!s) return;
        this.set({ state: 'idle' }, s.idle);
        this.set({ state: 'used' }, s.used);
        this.set({ state: 'waiting' }, s.waiting);
      },
    });
    this.dbConnectionsMax = this.gauge('db_client_connections_max', 'Database pool size limit.');
    this.cacheRequests = this.counter('cache_requests_total', 'Cache lookups by result: hit, miss, error.', [
      'cache',
      'result',
    ]);
    this.ready = this.gauge('service_ready', '1 when the service reports ready, 0 otherwise.');
    // Labelled counters start at 0 for every known value, so the first event after a start shows in rate().
    for (const kind of ['connection', 'auth', 'timeout', 'query']) this.dbErrors.inc({ kind }, 0);
  }

  /** Registered only by services that cache, so a service without a cache never reports one as down. */
  get cacheUp(): Gauge {
    this.cacheUpGauge ??= this.gauge(
      'cache_up',
      '1 when the cache backend is usable, 0 when degraded (reads go to the database).',
    );
    return this.cacheUpGauge;
  }

  /** Starts each label value of a counter at 0. */
  static zero<L extends string>(counter: Counter<L>, label: L, values: readonly string[]): void {
    for (const v of values) counter.inc({ [label]: v } as Partial<Record<L, string>>, 0);
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  /** A duration histogram in seconds; LATENCY_BUCKETS unless a finer view of a short step needs its own. */
  histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: readonly number[] = LATENCY_BUCKETS,
  ): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets: [...buckets], registers: [this.registry] });
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

export interface MetricsPluginOptions {
  metrics: Metrics;
}

export default fp<MetricsPluginOptions>(
  async function metricsPlugin(app: FastifyInstance, opts: MetricsPluginOptions) {
    const m = opts.metrics;
    app.decorate('metrics', m);
    // Callback hooks: they run on every request, and an async hook costs a promise each time.
    app.addHook('onRequest', (_request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
      m.httpActive.inc();
      done();
    });
    app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      m.httpActive.dec();
      const route = request.routeOptions.url ?? 'unmatched';
      if (route !== '/metrics') {
        // Fastify's own clock: from the request's first hook to its answer's end, in milliseconds.
        m.httpDuration.observe(
          { method: request.method, route, status_class: statusClass(reply.statusCode) },
          reply.elapsedTime / 1000,
        );
      }
      done();
    });
  },
  { name: 'shipshape-metrics', fastify: '5.x' },
);

/**
 * Serves `GET /metrics` on a listener of its own (METRICS_PORT), apart from the API: the Service, Ingress and
 * compose publish only the API port, so scrapes never compete with clients and clients never read the metrics.
 */
export async function listenMetrics(
  metrics: Metrics,
  o: { port: number; host: string },
): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const host = o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host;
  return {
    server,
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
