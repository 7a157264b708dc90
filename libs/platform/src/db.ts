// PostgreSQL access: one pool per service, fail-fast timeouts, metrics per named operation.
import pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from './metrics.ts';
import { errorKind } from './db-errors.ts';

export interface DatabaseOptions {
  url: string;
  ssl: 'disable' | 'require' | 'verify-full';
  poolMax: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  applicationName: string;
}

export { errorKind, isUniqueViolation } from './db-errors.ts';

/** Thrown inside `tx` to roll back and still return a value (a business outcome, not a failure). */
export class Rollback<T> extends Error {
  readonly value: T;
  constructor(value: T) {
    super('rollback');
    this.value = value;
  }
}

/** Distinct statement texts prepared per connection; the services have a few dozen. */
const MAX_PREPARED_STATEMENTS = 500;

/** How often the read watch looks at the connections checked out of the pool. */
const READ_WATCH_EVERY_MS = 250;

type Socketed = { connection?: { stream?: { destroy(err?: Error): void } } };

/**
 * The client-side guard for a server that stops answering without closing the socket (a frozen host, a network that
 * drops everything): a statement still unanswered `boundMs` after it began has its connection's socket destroyed, so
 * it fails with a timeout (`errorKind` 'timeout', a 503) and the pool replaces the connection. One timer watches every
 * checked-out connection; a statement costs two event callbacks. node-postgres has this guard built in
 * (`query_timeout`), but it replaces each query's callback after the query is built, and under load that one store
 * made orders promote about 20 times more to the old generation (docs/benchmark-history.md, "the read timeout").
 */
class ReadWatch {
  /** Per connection: when its current statement began (0 between statements). */
  private readonly began = new Map<pg.PoolClient, { at: number }>();
  private readonly timer: NodeJS.Timeout;
  private readonly boundMs: number;

  constructor(pool: pg.Pool, boundMs: number) {
    this.boundMs = boundMs;
    pool.on('acquire', (client) => this.restart(client));
    pool.on('release', (_err, client) => {
      const b = this.began.get(client);
      if (b) b.at = 0;
    });
    pool.on('remove', (client) => this.began.delete(client));
    this.timer = setInterval(() => this.sweep(), Math.min(READ_WATCH_EVERY_MS, boundMs)).unref();
  }

  /** A statement begins on `client` (a checkout begins with one; a transaction's next statements call this). */
  restart(client: pg.PoolClient): void {
    const b = this.began.get(client);
    if (b) b.at = performance.now();
    else this.began.set(client, { at: performance.now() });
  }

  private sweep(): void {
    const now = performance.now();
    for (const [client, b] of this.began) {
      if (b.at === 0 || now - b.at <= this.boundMs) continue;
      b.at = 0;
      // The client reports the destroyed socket as an 'error' event too: heard here, so a transaction's client,
      // which has no other listener while checked out, does not crash the process.
      client.once('error', () => {});
      // node-postgres's own socket (it destroys it the same way when a pipelined query times out); optional, so a
      // driver that moved it leaves the statement to the server's timeout rather than crashing here (the tests fail).
      (client as unknown as Socketed).connection?.stream?.destroy(
        new Error(`Query read timeout: PostgreSQL did not answer within ${this.boundMs} ms`),
      );
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}

export class Database {
  readonly pool: pg.Pool;
  private readonly metrics: Metrics;
  private readonly readWatch: ReadWatch;

  constructor(opts: DatabaseOptions, metrics: Metrics, log: FastifyBaseLogger) {
    this.metrics = metrics;
    this.pool = new pg.Pool({
      connectionString: opts.url,
      ssl: opts.ssl === 'disable' ? false : { rejectUnauthorized: opts.ssl === 'verify-full' },
      max: opts.poolMax,
      connectionTimeoutMillis: opts.connectTimeoutMs,
      idleTimeoutMillis: 10_000,
      statement_timeout: opts.statementTimeoutMs,
      keepAlive: true,
      application_name: opts.applicationName,
    });
    // An idle client whose backend was terminated emits here; without a listener the process would crash.
    this.pool.on('error', (err) => {
      metrics.dbErrors.inc({ kind: errorKind(err) });
      log.warn(
        { err: { message: err.message, code: (err as { code?: string }).code } },
        'idle database connection lost',
      );
    });
    // A second past the server's own timeout, so a statement the server cancels fails with the server's error.
    this.readWatch = new ReadWatch(this.pool, opts.statementTimeoutMs + 1000);
    metrics.dbConnectionsMax.set(opts.poolMax);
    // The pool's connections by state, read when Prometheus scrapes rather than written at every statement.
    const p = this.pool;
    metrics.dbPoolState = () => ({ idle: p.idleCount, used: p.totalCount - p.idleCount, waiting: p.waitingCount });
  }

  private async measure<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const end = this.metrics.dbDuration.startTimer({ operation });
    try {
      const out = await fn();
      end({ outcome: 'ok' });
      return out;
    } catch (err) {
      if (err instanceof Rollback) {
        end({ outcome: 'ok' });
        return err.value as T;
      }
      end({ outcome: 'error' });
      this.metrics.dbErrors.inc({ kind: errorKind(err) });
      throw err;
    }
  }

  /**
   * One statement. Each distinct text is a named prepared statement, so every connection parses and plans it once
   * rather than on every call (the plan of an order's statements cost PostgreSQL more than running them). Should a
   * migration change what a prepared statement returns, the call fails once on each connection and the pool drops
   * that connection (pg-pool destroys a client released with an error); expand-only migrations never do.
   */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    operation: string,
    text: string,
    params: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    const name = this.statementName(text);
    return this.measure(operation, () =>
      this.pool.query<R>(name ? { name, text, values: params } : { text, values: params }),
    );
  }

  private readonly statementNames = new Map<string, string>();

  /** A name per distinct text; texts past the bound (SQL built from unbounded input) stay unnamed. */
  private statementName(text: string): string | undefined {
    const known = this.statementNames.get(text);
    if (known || this.statementNames.size >= MAX_PREPARED_STATEMENTS) return known;
    const name = `s${this.statementNames.size + 1}`;
    this.statementNames.set(text, name);
    return name;
  }

  /** Runs fn in a transaction; rolls back on any error. Each of its statements has the read timeout of one. */
  tx<T>(operation: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.measure(operation, async () => {
      const client = await this.pool.connect();
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      const watched = Object.create(client, {
        query: {
          value: (...args: unknown[]) => {
            this.readWatch.restart(client);
            return query(...args);
          },
        },
      }) as pg.PoolClient;
      let broken = false;
      try {
        await client.query('BEGIN');
        const out = await fn(watched);
        this.readWatch.restart(client);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        broken = !(err instanceof Rollback) && errorKind(err) === 'connection';
        this.readWatch.restart(client);
        await client.query('ROLLBACK').catch(() => (broken = true));
        throw err;
      } finally {
        client.release(broken);
      }
    });
  }

  async ping(): Promise<void> {
    await this.query('ping', 'SELECT 1');
  }

  async close(): Promise<void> {
    this.readWatch.close();
    await this.pool.end();
  }
}
