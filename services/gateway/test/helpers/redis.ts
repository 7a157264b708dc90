// The real Redis the tests share, and a TCP relay in front of it that a test can cut and restore to play an outage
// without stopping Redis for everyone else.
import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Fails with a message saying how to start Redis when it is not reachable. */
export async function requireRedis(): Promise<void> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let cause: Error | undefined;
  client.on('error', (err: Error) => (cause ??= err));
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new Error(
      `Redis is not reachable at ${REDIS_URL} (${(cause ?? (err as Error)).message}). Start it with \`redis-server --daemonize yes\` ` +
        '(or run .ci/run, which starts PostgreSQL and Redis), or point REDIS_URL at one.',
    );
  } finally {
    client.disconnect();
  }
}

/** A key prefix no other test uses, so parallel runs never share counters. */
export const uniquePrefix = (name: string) => `test:gateway:${name}:${randomUUID()}:`;

export interface Relay {
  url: string;
  /** Drop every connection and refuse new ones. */
  cut(): Promise<void>;
  /** Accept connections again, on the same port. */
  restore(): Promise<void>;
  /** How many times a command (case-insensitive, e.g. evalsha) went through the relay so far. */
  sent(command: string): number;
  close(): Promise<void>;
}

export async function startRedisRelay(): Promise<Relay> {
  const target = new URL(REDIS_URL);
  const sockets = new Set<Socket>();
  let traffic = '';
  let server: Server | undefined;
  let port = 0;
  const open = async () => {
    server = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.on('data', (chunk: Buffer) => (traffic += chunk.toString('latin1').toLowerCase()));
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : port;
  };
  const shut = async () => {
    const s = server;
    server = undefined;
    if (!s) return;
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await open();
  const auth = target.username || target.password ? `${target.username}:${target.password}@` : '';
  const sent = (command: string) => traffic.split(`\r\n${command.toLowerCase()}\r\n`).length - 1;
  return { url: `redis://${auth}127.0.0.1:${port}`, cut: shut, restore: open, close: shut, sent };
}
