// A TCP relay in front of the shared Redis that a test can cut and restore to play an outage, or hold to play a slow
// link, without stopping Redis for everyone else, and that counts the commands going through it.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { REDIS_URL } from './env.ts';

export interface Relay {
  url: string;
  /** Drop every connection and refuse new ones. */
  cut(): Promise<void>;
  /** Accept connections again, on the same port. */
  restore(): Promise<void>;
  /** Hold Redis's answers back, as a slow link would, until release(); the commands still reach Redis. */
  hold(): void;
  release(): void;
  /** How many times a command (case-insensitive, e.g. evalsha) went through the relay so far. */
  sent(command: string): number;
  close(): Promise<void>;
}

export async function startRedisRelay(): Promise<Relay> {
  const target = new URL(REDIS_URL);
  const sockets = new Set<Socket>();
  const links = new Set<{ client: Socket; upstream: Socket }>();
  let held = false;
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
      client.pipe(upstream);
      if (!held) upstream.pipe(client);
      const link = { client, upstream };
      links.add(link);
      client.on('close', () => {
        links.delete(link);
        upstream.destroy();
      });
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
  const hold = () => {
    held = true;
    for (const { client, upstream } of links) {
      upstream.unpipe(client);
      upstream.pause();
    }
  };
  const release = () => {
    held = false;
    for (const { client, upstream } of links) upstream.pipe(client);
  };
  await open();
  const auth = target.username || target.password ? `${target.username}:${target.password}@` : '';
  const sent = (command: string) => traffic.split(`\r\n${command.toLowerCase()}\r\n`).length - 1;
  return { url: `redis://${auth}127.0.0.1:${port}`, cut: shut, restore: open, hold, release, close: shut, sent };
}
