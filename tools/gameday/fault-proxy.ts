// A small TCP fault proxy to put between two services, in toxiproxy's vocabulary (toxiproxy itself is not packaged
// for Debian): a proxy listens, forwards every connection to its upstream, and applies the toxics added to it.
//   latency     { latency, jitter }  delays every chunk, in the direction given by `stream` (downstream by default)
//   timeout     { timeout }          stops forwarding; closes the connection after `timeout` ms, never when 0
//                                    (a blackhole: the connection stays open and nothing arrives)
//   reset_peer  { timeout }          resets the connection (TCP RST) after `timeout` ms
//   limit_data  { bytes }            closes the connection once `bytes` have gone through
// Like toxiproxy, a toxic applies to a share of connections (`toxicity`, 0..1, default 1), decided per connection, and
// adding or removing one changes open connections too.
import { createServer, Socket, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export type Toxic =
  | { type: 'latency'; stream?: Stream; toxicity?: number; attributes: { latency: number; jitter?: number } }
  | { type: 'timeout'; stream?: Stream; toxicity?: number; attributes: { timeout: number } }
  | { type: 'reset_peer'; stream?: Stream; toxicity?: number; attributes: { timeout: number } }
  | { type: 'limit_data'; stream?: Stream; toxicity?: number; attributes: { bytes: number } };

/** downstream: from the upstream back to the client; upstream: from the client to the upstream. */
export type Stream = 'upstream' | 'downstream';

export interface FaultProxy {
  name: string;
  /** host:port to give the client instead of the upstream's. */
  listen: string;
  url: string;
  /** Where connections go (host:port), one after the other: a proxy with two is a Service with two endpoints. */
  upstreams(): string[];
  /** `reconnect`: close the open connections too, so kept-alive clients spread over the new list at once. */
  setUpstreams(upstreams: string[], reconnect?: boolean): void;
  toxics(): Toxic[];
  addToxic(toxic: Toxic): void;
  removeToxics(): void;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** Starts a proxy on `port` (0: any free port) in front of `upstream` (host:port). */
export async function startFaultProxy(name: string, upstream: string, port = 0): Promise<FaultProxy> {
  let toxics: Toxic[] = [];
  let accepted = 0;
  let upstreams = [upstream];
  const links = new Set<Link>();

  const server: Server = createServer((client) => {
    accepted += 1;
    const target = new Socket();
    const link: Link = { client, target, roll: Math.random(), cut: false, drop: () => {} };
    link.drop = () => {
      links.delete(link);
      client.destroy();
      target.destroy();
    };
    links.add(link);
    client.on('error', link.drop).on('close', link.drop);
    // The upstream closing is not the end: delayed chunks still in flight are delivered first (see pipe's 'end').
    target.on('error', link.drop);
    const [host, upstreamPort] = splitHostPort(upstreams[accepted % upstreams.length] as string);
    target.connect(upstreamPort, host);
    // Toxics are looked up for every chunk, so adding or removing one affects open connections too, as in toxiproxy.
    const current = () => toxics.filter((t) => link.roll < (t.toxicity ?? 1));
    pipe(client, target, 'upstream', current, link);
    pipe(target, client, 'downstream', current, link);
    for (const t of current()) cut(link, t);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const listen = `127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}`;
  return {
    name,
    listen,
    url: `http://${listen}`,
    upstreams: () => [...upstreams],
    setUpstreams: (list, reconnect = false) => {
      upstreams = [...list];
      if (reconnect) for (const l of links) l.drop();
    },
    toxics: () => [...toxics],
    addToxic: (t) => {
      toxics = [...toxics, t];
      for (const l of links) if (l.roll < (t.toxicity ?? 1)) cut(l, t);
    },
    removeToxics: () => {
      toxics = [];
    },
    connections: () => accepted,
    close: async () => {
      for (const l of links) l.drop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Link {
  client: Socket;
  target: Socket;
  /** Decides, once per connection, which toxics apply to it (those whose toxicity is above it). */
  roll: number;
  /** Blackholed: nothing is forwarded any more. */
  cut: boolean;
  drop(): void;
}

/** Applies a toxic that acts on the connection as a whole (timeout, reset_peer); the others act on chunks. */
function cut(link: Link, t: Toxic): void {
  if (t.type === 'timeout') {
    link.cut = true;
    if (t.attributes.timeout > 0) setTimeout(link.drop, t.attributes.timeout).unref();
  }
  if (t.type === 'reset_peer') {
    setTimeout(() => {
      if (!link.client.destroyed) link.client.resetAndDestroy();
      link.drop();
    }, t.attributes.timeout).unref();
  }
}

function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}

/** Forwards `from` to `to` in order, applying that direction's latency and data limit toxics to each chunk. */
function pipe(from: Socket, to: Socket, stream: Stream, current: () => Toxic[], link: Link): void {
  let sent = 0;
  let queue = Promise.resolve();
  from.on('data', (chunk: Buffer) => {
    queue = queue.then(async () => {
      const active = current().filter((t) => (t.stream ?? 'downstream') === stream);
      for (const t of active) {
        if (t.type !== 'latency') continue;
        const jitter = t.attributes.jitter ?? 0;
        await sleep(Math.max(0, t.attributes.latency + (Math.random() * 2 - 1) * jitter));
      }
      if (link.cut || to.destroyed) return;
      const limit = active.find((t) => t.type === 'limit_data');
      if (limit?.type === 'limit_data' && sent + chunk.length > limit.attributes.bytes) {
        to.write(chunk.subarray(0, Math.max(0, limit.attributes.bytes - sent)));
        link.drop();
        return;
      }
      sent += chunk.length;
      to.write(chunk);
    });
  });
  from.on('end', () => {
    queue = queue.then(() => {
      if (!link.cut) to.end();
    });
  });
}
