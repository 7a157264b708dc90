// One more instance of a service, next to the stack: `node services/<name>/src/server.ts` with the environment a fault
// needs (a wrong database password, a database that will be stopped, a slow dependency). It only has to be listening:
// a broken instance is never ready, which is the point.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { freeServicePort } from '../../dev/ports.ts';
import { metricsAddress } from '../../dev/services.ts';
import type { ServiceName } from '../../dev/stack.ts';
import { REPO } from './paths.ts';

const KEEP_ENV = ['PATH', 'HOME', 'LANG', 'TZ', 'NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'];

export interface ServiceProcess {
  name: ServiceName;
  url: string;
  /** host:port, the `instance` label Prometheus gives it. */
  instance: string;
  /** What it logged, most recent last. */
  logs: string[];
  stop(): Promise<void>;
}

export async function startServiceProcess(
  name: ServiceName,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ServiceProcess> {
  const port = await freeServicePort();
  const base: Record<string, string> = {};
  for (const k of KEEP_ENV) if (process.env[k] !== undefined) base[k] = process.env[k];
  const child = spawn(process.execPath, [join(REPO, 'services', name, 'src', 'server.ts')], {
    cwd: REPO,
    env: {
      ...base,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SHUTDOWN_DRAIN_MS: '0',
      SHUTDOWN_TIMEOUT_MS: '5000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream }).on('line', (line) => logs.push(line));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${name} exited during start:\n${logs.slice(-10).join('\n')}`);
    try {
      if ((await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(1000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not listen within ${timeoutMs} ms:\n${logs.slice(-10).join('\n')}`);
    }
    await sleep(100);
  }
  return { name, url, instance: metricsAddress(url), logs, stop };
}
