// Small HTTP helpers for tests: JSON calls, and a TCP-level delaying/failing proxy to put in front of a service.
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

// biome-ignore lint/suspicious/noExplicitAny: tests read answers of any shape
export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

// biome-ignore lint/suspicious/noExplicitAny: tests read answers of any shape
export async function call<T = any>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined = init.raw;
  if (init.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(init.body);
  }
  const res = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

export interface FaultProxy {
  url: string;
  /** Delay before forwarding each request. */
  delayMs: number;
  /** When set, answer this status instead of forwarding. */
  failWith: number | undefined;
  /** When set and it returns a status for a request (URL and body), answer that instead of forwarding. */
  failWhen: ((url: string, body: string) => number | undefined) | undefined;
  requests: number;
  close(): Promise<void>;
}

/** An HTTP proxy in front of `target` that can slow down or fail requests on demand. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const state: FaultProxy = {
    url: '',
    delayMs: 0,
    failWith: undefined,
    failWhen: undefined,
    requests: 0,
    close: async () => {},
  };
  const server: Server = createServer(async (req, res) => {
    state.requests += 1;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (state.delayMs) await sleep(state.delayMs);
    const fail = state.failWith ?? state.failWhen?.(req.url ?? '/', Buffer.concat(chunks).toString('utf8'));
    if (fail) {
      res.writeHead(fail, { 'content-type': 'application/problem+json' }).end(
        JSON.stringify({
          type: 'about:blank',
          title: 'injected',
          status: fail,
          detail: 'fault injected by test',
        }),
      );
      return;
    }
    try {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
      const up = await fetch(target + (req.url ?? '/'), {
        method: req.method,
        headers,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      });
      const out: Record<string, string> = {};
      up.headers.forEach((v, k) => {
        if (!['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(k)) out[k] = v;
      });
      res.writeHead(up.status, out).end(Buffer.from(await up.arrayBuffer()));
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  state.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  state.close = () => new Promise<void>((r) => server.close(() => r()));
  server.keepAliveTimeout = 1000;
  return state;
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastErr = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${lastErr ? `: ${(lastErr as Error).message}` : ''}`);
}

/** Value of a Prometheus sample from a /metrics text, or 0 when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const part of (m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) got[part[1] as string] = part[2] as string;
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) total += Number(m[4]);
  }
  return total;
}
