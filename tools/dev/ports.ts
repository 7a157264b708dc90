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
