// Debian's Alertmanager with the drill profile of the repository's routing (deploy/observability/alertmanager): the
// same route tree, grouping and inhibitions, its waits and intervals divided by the drill factor, and every receiver
// replaced by a webhook to the tool, which records each notification as it arrives.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';
import { requireBinary } from '../check-observability/lib/binaries.ts';
import { ALERTMANAGER_CONFIG } from '../check-observability/lib/paths.ts';
import { durationMs, formatDuration } from '../check-observability/lib/prometheus.ts';
import { freePort } from '../dev/ports.ts';

export interface Notification {
  /** When the tool received it (ms since the epoch). */
  at: number;
  receiver: string;
  status: 'firing' | 'resolved';
  alerts: { status: 'firing' | 'resolved'; labels: Record<string, string>; startsAt: string; endsAt: string }[];
}

export interface Receiver {
  url: string;
  notifications: Notification[];
  /** Text served at /metrics (for series the tool exports itself, e.g. the local supervisor's restart counts). */
  setMetrics(text: () => string): void;
  close(): Promise<void>;
}

/** The tool's HTTP endpoint: Alertmanager's webhooks at /alerts/<receiver>, and /metrics. */
export async function startReceiver(): Promise<Receiver> {
  const notifications: Notification[] = [];
  let metrics = () => '';
  const body = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const server: Server = createServer(async (req, res) => {
    if (req.method === 'POST' && req.url?.startsWith('/alerts/')) {
      const at = Date.now();
      const payload = JSON.parse(await body(req)) as Omit<Notification, 'at' | 'receiver'> & { receiver: string };
      notifications.push({ at, receiver: payload.receiver, status: payload.status, alerts: payload.alerts });
      res.writeHead(200).end();
      return;
    }
    if (req.method === 'GET' && req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics());
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    url,
    notifications,
    setMetrics: (m) => (metrics = m),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Route {
  receiver?: string;
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  routes?: Route[];
  [k: string]: unknown;
}

/** The drill profile of the real Alertmanager config: receivers become webhooks to `receiverUrl`, waits shrink. */
export function drillAlertmanagerConfig(factor: number, receiverUrl: string, source = ALERTMANAGER_CONFIG): unknown {
  const real = parse(readFileSync(source, 'utf8')) as {
    global?: Record<string, unknown>;
    route: Route;
    inhibit_rules?: unknown[];
    receivers: { name: string }[];
  };
  const scale = (d: string | undefined) => (d === undefined ? undefined : formatDuration(durationMs(d) / factor));
  const scaleRoute = (r: Route): Route => ({
    ...r,
    ...(r.group_wait ? { group_wait: scale(r.group_wait) } : {}),
    ...(r.group_interval ? { group_interval: scale(r.group_interval) } : {}),
    ...(r.repeat_interval ? { repeat_interval: scale(r.repeat_interval) } : {}),
    ...(r.routes ? { routes: r.routes.map(scaleRoute) } : {}),
  });
  return {
    global: { resolve_timeout: scale(String(real.global?.resolve_timeout ?? '5m')) },
    route: scaleRoute(real.route),
    inhibit_rules: real.inhibit_rules ?? [],
    receivers: real.receivers.map((r) => ({
      name: r.name,
      webhook_configs: [{ url: `${receiverUrl}/alerts/${r.name}`, send_resolved: true }],
    })),
  };
}

export interface Alertmanager {
  /** host:port, for Prometheus' alerting config. */
  address: string;
  url: string;
  stop(): Promise<void>;
  log(): string;
}

export async function startAlertmanager(config: unknown): Promise<Alertmanager> {
  const bin = requireBinary('prometheus-alertmanager');
  const dir = mkdtempSync(join(tmpdir(), 'shipshape-alertmanager-'));
  const file = join(dir, 'alertmanager.yml');
  writeFileSync(file, stringify(config));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    bin,
    [
      `--config.file=${file}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=${address}`,
      // A single instance: no gossip port to collide with anybody's.
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`alertmanager exited during start:\n${output}`);
    try {
      if ((await fetch(`http://${address}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`alertmanager was not ready within 30 s:\n${output}`);
    }
    await sleep(200);
  }
  return { address, url: `http://${address}`, stop, log: () => output };
}
