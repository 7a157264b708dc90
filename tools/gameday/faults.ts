// Injecting a scenario's fault from outside the services, where the real world would (signals, SQL, Redis commands,
// a proxy between services, a supervisor that restarts a crashing process, clients), and undoing it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { StartError } from '../dev/stack.ts';
import { startServiceProcess, type ServiceProcess } from '../check-observability/lib/service-process.ts';
import { placeOrder } from '../check-observability/lib/traffic.ts';
import type { Fault, Restore } from './scenario.ts';
import { DRILL_FACTOR, type DrillSystem } from './system.ts';

/** A fault in progress: what restoring needs to know about it. */
export interface ActiveFault {
  /** Ends whatever keeps the fault going (a loop, a flood, a supervisor). */
  halt(): Promise<void>;
  /** When the destructive statement ran, as PostgreSQL logged it. */
  statementAt?: Date;
  /** The replica a bad release added. */
  canary?: ServiceProcess;
  /** Requests the flooding client made, by status. */
  flood?: Map<number, number>;
  notes: string[];
}

const nothing = async () => {};

/** Runs `step` now and then every `ms` until halted. */
function repeat(ms: number, step: () => Promise<void>): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      await step().catch(() => {});
      await sleep(ms);
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

export function runCommand(command: string[], timeoutMs = 10_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const [bin, ...args] = command;
    const child = spawn(bin as string, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err) => resolve({ code: null, output: `${output}${err.message}` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

export async function injectFault(fault: Fault, sys: DrillSystem): Promise<ActiveFault> {
  const notes: string[] = [];
  switch (fault.kind) {
    case 'signal': {
      const pid = sys.stack.pid(fault.service);
      notes.push(`kill -${fault.signal.replace('SIG', '')} ${pid} (${fault.service})`);
      await sys.stack.stopService(fault.service, fault.signal);
      return { halt: nothing, notes };
    }
    case 'crash-loop': {
      // The release replaces the running process; the supervisor (kubelet's part) restarts it with back-off.
      await sys.stack.stopService(fault.service);
      const state = sys.containers[fault.service];
      let running = true;
      const loop = (async () => {
        let backoffMs = 10_000;
        while (running) {
          try {
            await sys.stack.startService(fault.service, fault.env);
            return;
          } catch (err) {
            if (!(err instanceof StartError)) throw err;
            state.restarts += 1;
            state.crashLoopBackOff = true;
            notes.push(`restart ${state.restarts}: ${err.message.split('\n').slice(-1)[0]?.slice(0, 200)}`);
            await sleep(Math.max(1000, backoffMs / DRILL_FACTOR));
            backoffMs = Math.min(backoffMs * 2, 300_000);
          }
        }
      })();
      return {
        halt: async () => {
          running = false;
          await loop.catch(() => {});
        },
        notes,
      };
    }
    case 'sql': {
      const halt = repeat((fault.everySeconds ?? 0) * 1000 || 1000, async () => {
        const r = await sys.sql(fault.sql);
        notes.push(`${new Date().toISOString()} ${fault.sql.slice(0, 60)}...: ${r.rowCount} rows`);
      });
      if (!fault.everySeconds) await sleep(100).then(halt);
      return { halt: fault.everySeconds ? halt : nothing, notes };
    }
    case 'destructive-sql': {
      await sys.sql(fault.sql);
      const statementAt = loggedStatementTime(sys.pg.log(), fault.sql);
      notes.push(`${fault.sql} (logged at ${statementAt?.toISOString() ?? 'unknown'})`);
      return { halt: nothing, statementAt, notes };
    }
    case 'postgres-stop': {
      await sys.pg.stop();
      notes.push('pg_ctl stop -m fast');
      return { halt: nothing, notes };
    }
    case 'password-rotation': {
      const next = randomBytes(12).toString('hex');
      // The rotation job: new password, then the sessions recycled (as a failover or the pool's max lifetime would).
      await sys.sql(`ALTER ROLE postgres PASSWORD '${next}'`);
      sys.password = next;
      await sys.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'shipshape' AND pid <> pg_backend_pid()",
      );
      notes.push('ALTER ROLE postgres PASSWORD (new secret not rolled out); sessions terminated');
      return { halt: nothing, notes };
    }
    case 'redis-command': {
      const r = await runCommand(['redis-cli', '-p', String(sys.redis.port), ...fault.args]);
      notes.push(`redis-cli ${fault.args.join(' ')}: exit ${r.code} ${r.output.trim()}`);
      return { halt: nothing, notes };
    }
    case 'toxic': {
      sys.proxies[fault.proxy].addToxic(fault.toxic);
      notes.push(`toxic ${fault.toxic.type} ${JSON.stringify(fault.toxic.attributes)} on ${fault.proxy}`);
      return { halt: nothing, notes };
    }
    case 'order-burst': {
      const halt = repeat(1000, async () => {
        await Promise.all(
          Array.from({ length: fault.perSecond }, (_, i) =>
            placeOrder(
              sys.admin,
              sys.catalog.users[i % sys.catalog.users.length] ?? '',
              sys.catalog.scarce,
              fault.quantity,
            ),
          ),
        );
      });
      notes.push(`${fault.perSecond} orders a second for the scarce product`);
      return { halt, notes };
    }
    case 'release': {
      await sys.stack.stopService(fault.service);
      await sys.stack.startService(fault.service, fault.env);
      notes.push(`${fault.service} released with ${JSON.stringify(fault.env)}`);
      return { halt: nothing, notes };
    }
    case 'bad-release': {
      const proxy = sys.proxies['gateway-to-orders'];
      const canary = await startServiceProcess('orders', {
        ...sys.stack.authEnv('orders'),
        DATABASE_URL: sys.databaseUrl(),
        PRODUCTS_URL: sys.proxies['orders-to-products'].url,
        USERS_URL: sys.stack.urls.users,
        ...fault.env,
      });
      // As a rollout does: the new replica joins once it reports ready (its readiness cannot see the wrong URL), and
      // something keeps asking it, as a kubelet would (readiness is evaluated only when asked).
      const ready = async () =>
        (await fetch(`${canary.url}/ready`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined))?.status;
      for (let i = 0; i < 40 && (await ready()) !== 200; i++) await sleep(250);
      const haltProbe = repeat(1000, async () => void (await ready()));
      sys.extraTargets.set([{ instance: canary.instance, service: 'orders' }]);
      proxy.setUpstreams([...proxy.upstreams(), new URL(canary.url).host], true);
      notes.push(`orders replica ${new URL(canary.url).host} with ${JSON.stringify(fault.env)} joined the balancer`);
      return { halt: haltProbe, canary, notes };
    }
    case 'flood': {
      const statuses = new Map<number, number>();
      const halt = repeat(100, async () => {
        await Promise.all(
          Array.from({ length: Math.ceil(fault.perSecond / 10) }, async () => {
            const r = await fetch(`${sys.stack.urls.gateway}/products?limit=3`, {
              headers: { 'x-forwarded-for': '198.51.100.66' },
              signal: AbortSignal.timeout(5000),
            }).catch(() => undefined);
            await r?.arrayBuffer();
            const status = r?.status ?? 0;
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
          }),
        );
      });
      notes.push(`${fault.perSecond} requests a second from 198.51.100.66`);
      return { halt, flood: statuses, notes };
    }
  }
}

/** The time PostgreSQL logged a statement at (log_statement = 'ddl'), to restore to just before it. */
export function loggedStatementTime(log: string, sql: string): Date | undefined {
  const line = log
    .split('\n')
    .reverse()
    .find((l) => l.includes(`statement: ${sql}`));
  const m = line && /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) (UTC|GMT)/.exec(line);
  return m ? new Date(`${m[1]?.replace(' ', 'T')}Z`) : undefined;
}

export interface RestoreResult {
  notes: string[];
  /** For a point-in-time restore: the target it restored to. */
  recoveryPoint?: Date;
}

export async function restore(r: Restore, sys: DrillSystem, active: ActiveFault): Promise<RestoreResult> {
  await active.halt();
  const notes: string[] = [];
  switch (r.kind) {
    case 'start-service':
      await sys.stack.startService(r.service);
      notes.push(`${r.service} started`);
      break;
    case 'rollback': {
      if (active.canary) {
        const proxy = sys.proxies['gateway-to-orders'];
        const instance = active.canary.instance;
        const upstream = new URL(active.canary.url).host;
        proxy.setUpstreams(proxy.upstreams().filter((u) => u !== upstream));
        // Out of the scrape targets before it stops, as a terminated pod leaves its endpoints first.
        sys.extraTargets.set([]);
        for (let i = 0; i < 40; i++) {
          if (!(await sys.prometheus.query(`up{instance="${instance}"}`).catch(() => [1])).length) break;
          await sleep(250);
        }
        await active.canary.stop();
        notes.push(`replica ${upstream} removed from the balancer and stopped`);
      } else {
        // The previous release: the settings the drill started the service with.
        await sys.stack.stopService(r.service);
        await sys.stack.startService(r.service, r.env ?? { LOG_LEVEL: 'warn' });
        sys.containers[r.service].crashLoopBackOff = false;
        notes.push(`${r.service} rolled back to the previous release`);
      }
      break;
    }
    case 'start-postgres':
      await sys.pg.start();
      notes.push('pg_ctl start');
      break;
    case 'start-redis':
      await sys.redis.start();
      notes.push('redis-server started again (empty)');
      break;
    case 'remove-toxics':
      sys.proxies[r.proxy].removeToxics();
      notes.push(`toxics removed from ${r.proxy}`);
      break;
    case 'roll-credentials':
      for (const s of ['users', 'products', 'orders'] as const) {
        await sys.stack.stopService(s);
        await sys.stack.startService(s, { DATABASE_URL: sys.databaseUrl() });
      }
      notes.push('users, products and orders restarted one by one with the new secret');
      break;
    case 'restock': {
      const res = await sys.admin.call('PATCH', `/products/${sys.catalog.scarce}`, { stock: 1000 });
      notes.push(`restocked the sold-out product: ${res.status}`);
      const current = await sys.sql<{ stock: number }>('SELECT stock FROM catalog.products WHERE id = $1', [
        sys.catalog.scarce,
      ]);
      // A restock is stock that did not exist before: the invariant counts from the new level.
      const held = await heldBy(sys, sys.catalog.scarce);
      sys.initialStock.set(sys.catalog.scarce, (current.rows[0]?.stock ?? 0) + held);
      break;
    }
    case 'stop-fault':
      notes.push('fault stopped');
      break;
    case 'point-in-time-restore': {
      const target = active.statementAt;
      if (!target) throw new Error('the destructive statement was not found in the PostgreSQL log');
      await sys.pg.restoreTo(sys.backup, target);
      notes.push(`restored the base backup and replayed the archived WAL to ${target.toISOString()} (exclusive)`);
      return { notes, recoveryPoint: target };
    }
  }
  return { notes };
}

async function heldBy(sys: DrillSystem, productId: string): Promise<number> {
  const r = await sys.sql<{ held: number }>(
    `SELECT COALESCE(sum(i.quantity), 0)::int AS held FROM orders.order_items i JOIN orders.orders o ON o.id = i.order_id
      WHERE i.product_id = $1 AND o.status <> 'cancelled'`,
    [productId],
  );
  return r.rows[0]?.held ?? 0;
}
