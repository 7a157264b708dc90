// The rehearsal's traffic split: a small HTTP proxy in front of one service that sends a share of the requests to a
// canary and the rest to the stable version, and counts what each answered. It plays the part the Kubernetes Service
// plays for the chart's canary Deployment (docs/decisions/0004-canary-without-a-mesh.md).
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Track = 'stable' | 'canary';

export interface TrackCounts {
  requests: number;
  /** Answers of 500 and above, and requests the upstream never answered. */
  failed: number;
}

export interface Splitter {
  url: string;
  /** Points a track at an upstream (undefined removes it: a canary without upstream gets no traffic). */
  setUpstream(track: Track, url: string | undefined): void;
  /** Share of requests for the canary, 0..1; 0 returns all traffic to the stable version. */
  setCanaryWeight(weight: number): void;
  counts(): Record<Track, TrackCounts>;
  close(): Promise<void>;
}

export async function startSplitter(port = 0): Promise<Splitter> {
  const upstreams: Record<Track, URL | undefined> = { stable: undefined, canary: undefined };
  const counts: Record<Track, TrackCounts> = { stable: { requests: 0, failed: 0 }, canary: { requests: 0, failed: 0 } };
  let weight = 0;
  // Deterministic weighting (the same share over any run of requests), like replica ratios, not a coin toss.
  let owed = 0;

  const pick = (): Track => {
    if (!upstreams.canary || weight <= 0) return 'stable';
    owed += weight;
    if (owed >= 1 - 1e-9) {
      owed -= 1;
      return 'canary';
    }
    return 'stable';
  };

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const track = pick();
    const target = upstreams[track];
    const c = counts[track];
    c.requests += 1;
    if (!target) {
      c.failed += 1;
      res.writeHead(503, { 'content-type': 'text/plain' }).end('no upstream\n');
      return;
    }
    const up = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if ((answer.statusCode ?? 502) >= 500) c.failed += 1;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('error', () => {
      c.failed += 1;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end();
    });
    req.pipe(up);
  };

  const server = createServer(forward);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    setUpstream: (track, url) => {
      upstreams[track] = url ? new URL(url) : undefined;
    },
    setCanaryWeight: (w) => {
      weight = Math.min(1, Math.max(0, w));
      owed = 0;
    },
    counts: () => structuredClone(counts),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
