import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export class PortInUse extends Error {}

/** Fails with a one-line explanation when something already listens on the port. */
export function assertPortFree(port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new PortInUse(
          err.code === 'EADDRINUSE'
            ? `port ${port} is already in use (needed by ${what}); stop what holds it`
            : `cannot bind port ${port} for ${what}: ${err.code}`,
        ),
      ),
    );
    srv.listen(port, '0.0.0.0', () => srv.close(() => resolve()));
  });
}

/** A free port for a process that starts later (below the ephemeral range: see ephemeralStart). */
export function freePort(): Promise<number> {
  return freeFixedPort(0);
}

/** Whether nothing listens on the port (on 127.0.0.1). */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * Where the kernel's ephemeral ports begin (Linux: ip_local_port_range). A listener placed in that range can lose
 * its port between the check and the listen to any outgoing connection on the machine, so ports picked here for
 * processes that start later lie below it.
 */
function ephemeralStart(): number {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(start) && start > 2048 ? start : 32768;
  } catch {
    return 32768;
  }
}

const LOWEST = 10_000;

/** A free port below the ephemeral range with room for `span` more above it (each candidate checked by binding it). */
async function freeFixedPort(span: number): Promise<number> {
  const highest = ephemeralStart() - span - 1;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * Math.max(1, highest - LOWEST));
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port between ${LOWEST} and ${highest}`);
}

/**
 * A free port for a service process whose /metrics listener (port + METRICS_PORT_OFFSET, see
 * tools/dev/services.ts) is free too, so the scrape address follows from the service URL alone. Ports in `taken`
 * (and their metrics ports) are avoided: processes picked together must not land on each other's metrics port.
 */
export async function freeServicePort(taken: ReadonlySet<number> = new Set(), metricsOffset = 6000): Promise<number> {
  const clashes = (p: number) =>
    [p, p + metricsOffset].some((q) => taken.has(q) || taken.has(q - metricsOffset) || taken.has(q + metricsOffset));
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freeFixedPort(metricsOffset);
    if (clashes(port)) continue;
    if (await isFree(port + metricsOffset)) return port;
  }
  throw new Error('no free port with a free metrics port beside it');
}

/** A free port whose neighbours at these offsets are free too: room for a whole `npm start -- --port <base>`. */
export async function freePortBlock(offsets: readonly number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = await freeFixedPort(Math.max(...offsets));
    const free = await Promise.all(offsets.filter((o) => o !== 0).map((o) => isFree(base + o)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no block of free ports found');
}
