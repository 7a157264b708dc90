// The drill's steady traffic and its client-side SLIs: orders and reads through the gateway at a fixed pace (not
// waiting for slow answers, as real customers do not), spread over a few client addresses so no one of them meets the
// rate limit, plus a readiness probe of every service each second (what a kubelet would do; readiness is only
// evaluated when asked). Every request is recorded, and every confirmed order is remembered for the loss check.
import { randomUUID } from 'node:crypto';
import { SERVICES, type ServiceName } from '../dev/services.ts';
import type { Catalog } from '../check-observability/lib/traffic.ts';

export type Sli = 'order' | 'read';

export interface Sample {
  /** When the request started (ms since the epoch). */
  at: number;
  sli: Sli;
  status: number;
  ms: number;
}

export interface ConfirmedOrder {
  id: string;
  at: number;
}

export interface Probe {
  samples: Sample[];
  confirmed: ConfirmedOrder[];
  /** The latest readiness answer of each service (status code, 0 when it did not answer). */
  readiness: Record<ServiceName, number>;
  stop(): Promise<void>;
}

export const isGood = (s: Sample): boolean => s.status >= 200 && s.status < 300;

const CUSTOMERS = 20;

export function startProbe(
  urls: Record<ServiceName, string>,
  catalog: Catalog,
  customerHeaders: (userId: string) => Record<string, string>,
  opts: { ordersPerSecond?: number; readsPerSecond?: number; timeoutMs?: number } = {},
): Probe {
  const samples: Sample[] = [];
  const confirmed: ConfirmedOrder[] = [];
  const readiness = Object.fromEntries(SERVICES.map((s) => [s, 0])) as Record<ServiceName, number>;
  const inFlight = new Set<Promise<void>>();
  const timeoutMs = opts.timeoutMs ?? 8000;
  let n = 0;

  const request = (sli: Sli, path: string, init: RequestInit = {}) => {
    const at = Date.now();
    const customer = n++ % CUSTOMERS;
    const p = fetch(`${urls.gateway}${path}`, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), 'x-forwarded-for': `10.20.0.${customer + 1}` },
      signal: AbortSignal.timeout(timeoutMs),
    })
      .then(async (res) => {
        const text = await res.text();
        samples.push({ at, sli, status: res.status, ms: Date.now() - at });
        if (sli === 'order' && res.status === 201)
          confirmed.push({ id: (JSON.parse(text) as { id: string }).id, at: Date.now() });
      })
      .catch(() => {
        samples.push({ at, sli, status: 0, ms: Date.now() - at });
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  const order = () => {
    const user = catalog.users[n % catalog.users.length] ?? '';
    const product = catalog.products[n % catalog.products.length] ?? '';
    request('order', '/orders', {
      method: 'POST',
      headers: { ...customerHeaders(user), 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ userId: user, items: [{ productId: product, quantity: 1 }] }),
    });
  };
  const read = () => {
    const i = n % 3;
    if (i === 0) request('read', `/products/${catalog.products[n % catalog.products.length]}`);
    else if (i === 1) {
      const user = catalog.users[n % catalog.users.length] ?? '';
      request('read', `/users/${user}`, { headers: customerHeaders(user) });
    } else request('read', '/products?limit=5');
  };

  const orderTimer = setInterval(order, 1000 / (opts.ordersPerSecond ?? 4));
  const readTimer = setInterval(read, 1000 / (opts.readsPerSecond ?? 6));
  const readyTimer = setInterval(() => {
    for (const s of SERVICES) {
      fetch(`${urls[s]}/ready`, { signal: AbortSignal.timeout(1000) })
        .then(async (r) => {
          await r.arrayBuffer();
          readiness[s] = r.status;
        })
        .catch(() => (readiness[s] = 0));
    }
  }, 1000);

  return {
    samples,
    confirmed,
    readiness,
    stop: async () => {
      clearInterval(orderTimer);
      clearInterval(readTimer);
      clearInterval(readyTimer);
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** Samples started in [from, to). */
export const between = (samples: Sample[], from: number, to: number): Sample[] =>
  samples.filter((s) => s.at >= from && s.at < to);

/** True when every SLI had requests in [from, to) and all of them succeeded. */
export function allGood(samples: Sample[], from: number, to: number): boolean {
  const window = between(samples, from, to);
  return (['order', 'read'] as const).every((sli) => {
    const of = window.filter((s) => s.sli === sli);
    return of.length > 0 && of.every(isGood);
  });
}
