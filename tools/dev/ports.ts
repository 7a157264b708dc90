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

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
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
 * A free port for a service process whose /metrics listener (port + METRICS_PORT_OFFSET, see
 * tools/dev/services.ts) is free too, so the scrape address follows from the service URL alone. Ports in `taken`
 * (and their metrics ports) are avoided: processes picked together must not land on each other's metrics port.
 */
export async function freeServicePort(taken: ReadonlySet<number> = new Set(), metricsOffset = 6000): Promise<number> {
  const clashes = (p: number) =>
    [p, p + metricsOffset].some((q) => taken.has(q) || taken.has(q - metricsOffset) || taken.has(q + metricsOffset));
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort();
    if (port + metricsOffset > 65535 || clashes(port)) continue;
    if (await isFree(port + metricsOffset)) return port;
  }
  throw new Error('no free port with a free metrics port beside it');
}

/** A free port whose neighbours at these offsets are free too: room for a whole `npm start -- --port <base>`. */
export async function freePortBlock(offsets: readonly number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = await freePort();
    if (base + Math.max(...offsets) > 65535) continue;
    const free = await Promise.all(offsets.filter((o) => o !== 0).map((o) => isFree(base + o)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no block of free ports found');
}
