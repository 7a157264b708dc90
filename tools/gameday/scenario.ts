// What a game-day scenario is: data the runner interprets, so a scenario reads as a plan and can be listed, checked
// and reviewed without running anything. Deadlines are in drill time (the drill profile divides `for:` by its factor).
import type { ServiceName } from '../dev/services.ts';
import type { Toxic } from './fault-proxy.ts';

/** An alert the scenario must produce, and how long after the fault its notification may take. */
export interface ExpectedAlert {
  alert: string;
  /** Labels the notification must carry (e.g. the service that is down). */
  labels?: Record<string, string>;
  withinSeconds: number;
}

export type Fault =
  /** A signal to one service's process. */
  | { kind: 'signal'; service: ServiceName; signal: NodeJS.Signals }
  /** A release whose configuration makes the process exit at start; the local supervisor restarts it with back-off. */
  | { kind: 'crash-loop'; service: ServiceName; env: Record<string, string> }
  /** SQL run against the service database as the admin, repeated every `everySeconds` while the fault lasts. */
  | { kind: 'sql'; sql: string; everySeconds?: number }
  /** A statement that destroys data, once; the server log records when it ran. */
  | { kind: 'destructive-sql'; sql: string }
  /** PostgreSQL stopped (pg_ctl stop -m fast: SIGINT to the postmaster, every session terminated). */
  | { kind: 'postgres-stop' }
  /** The database password changed under the running services (and their pooled connections recycled). */
  | { kind: 'password-rotation' }
  /** A command sent to Redis with redis-cli. */
  | { kind: 'redis-command'; args: string[] }
  /** A toxic added to one of the fault proxies between services. */
  | { kind: 'toxic'; proxy: ProxyName; toxic: Toxic }
  /** Clients keep ordering a product with too little stock, `perSecond` orders of `quantity` each. */
  | { kind: 'order-burst'; perSecond: number; quantity: number }
  /** A new release of `service`: the process is replaced by one with these settings. */
  | { kind: 'release'; service: ServiceName; env: Record<string, string> }
  /** A second replica of `service` with this configuration joins its balancer (a rollout gone wrong). */
  | { kind: 'bad-release'; service: 'orders'; env: Record<string, string> }
  /** One client floods the gateway at `perSecond` requests a second. */
  | { kind: 'flood'; perSecond: number };

export type ProxyName = 'orders-to-products' | 'gateway-to-orders';

export type Restore =
  | { kind: 'start-service'; service: ServiceName }
  /** Back to the previous release: the settings it ran with (by default the drill's LOG_LEVEL). */
  | { kind: 'rollback'; service: ServiceName; env?: Record<string, string> }
  | { kind: 'start-postgres' }
  | { kind: 'start-redis' }
  | { kind: 'remove-toxics'; proxy: ProxyName }
  | { kind: 'roll-credentials' }
  | { kind: 'restock' }
  | { kind: 'stop-fault' }
  | { kind: 'point-in-time-restore' };

/** A first diagnostic command from the runbook, as run locally; {placeholders} name parts of the drill system. */
export interface Diagnostic {
  what: string;
  command: string[];
}

export interface Scenario {
  name: string;
  title: string;
  hypothesis: string;
  /** Checks that must pass before the fault (all services ready, probes succeed, no alert firing, stock invariant). */
  steadyState: SteadyStateCheck[];
  fault: Fault;
  expect: ExpectedAlert[];
  /** Consequences that may also notify without failing the drill (an alert not listed here or above does). */
  tolerate: string[];
  /** docs/runbooks/<file>: the runbook this drill exercises. */
  runbook: string;
  diagnostics: Diagnostic[];
  restore: Restore;
  verify: Verification;
}

export type SteadyStateCheck = 'services-ready' | 'probes-succeed' | 'no-alerts' | 'stock-invariant' | 'cache-up';

export interface Verification {
  /** Seconds after the restore within which the probes must succeed again for `stableSeconds` in a row. */
  recoverWithinSeconds: number;
  stableSeconds: number;
  /**
   * Which confirmed orders must still be there: all of them, or those confirmed before the recovery point (a
   * point-in-time restore gives up what came after it, and the report measures that loss as the RPO).
   */
  orders: 'all' | 'before-recovery-point';
  /** Extra expectations on the probes while the fault lasted. */
  probesDuringFault?: 'unaffected';
}
