// The two services orders depends on, behind clients with deadlines, retries and circuit breakers.
import { ServiceClient, type CallContext } from '@shipshape/platform/http-client';
import type { App } from '@shipshape/platform/service';
import type { Config } from '../config.ts';

export interface ReservedItem {
  productId: string;
  quantity: number;
  unitPriceCents: number;
  currency: string;
}

export type ReserveResult =
  | { ok: true; items: ReservedItem[] }
  | { ok: false; status: number; problem: { type?: string; detail?: string; productId?: string } };

export class Dependencies {
  readonly users: ServiceClient;
  readonly products: ServiceClient;

  constructor(app: App, c: Config) {
    const common = {
      timeoutMs: c.UPSTREAM_TIMEOUT_MS,
      retries: c.UPSTREAM_RETRIES,
      breakerThreshold: c.BREAKER_FAILURE_THRESHOLD,
      halfOpenAfterMs: c.BREAKER_HALF_OPEN_AFTER_MS,
    };
    this.users = new ServiceClient({ target: 'users', baseUrl: c.USERS_URL, ...common }, app.metrics, app.tracing);
    this.products = new ServiceClient(
      { target: 'products', baseUrl: c.PRODUCTS_URL, ...common },
      app.metrics,
      app.tracing,
    );
    app.addHook('onClose', async () => {
      await Promise.all([this.users.close(), this.products.close()]);
    });
  }

  async userExists(userId: string, ctx: CallContext): Promise<boolean> {
    const res = await this.users.call({
      operation: 'get_user',
      method: 'GET',
      path: `/users/${userId}`,
      idempotent: true,
      ctx,
    });
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw new Error(`users answered ${res.status}`);
  }

  /** Reservations are keyed by order id, so retrying one is safe. */
  async reserve(
    orderId: string,
    items: { productId: string; quantity: number }[],
    ctx: CallContext,
  ): Promise<ReserveResult> {
    const res = await this.products.call<
      { items: ReservedItem[] } & { type?: string; detail?: string; productId?: string }
    >({
      operation: 'reserve_stock',
      method: 'POST',
      path: '/internal/reservations',
      body: { orderId, items },
      idempotent: true,
      ctx,
    });
    if (res.status === 200 || res.status === 201) return { ok: true, items: res.body.items };
    return { ok: false, status: res.status, problem: res.body };
  }

  /** Returns the stock held for an order; true when released or nothing was held. Idempotent. */
  async release(orderId: string, ctx: CallContext): Promise<void> {
    const res = await this.products.call({
      operation: 'release_stock',
      method: 'POST',
      path: `/internal/reservations/${orderId}/release`,
      idempotent: true,
      ctx,
    });
    if (res.status !== 200 && res.status !== 404) throw new Error(`products answered ${res.status} to a release`);
  }

  async openReservations(olderThanMs: number): Promise<{ orderId: string }[]> {
    const res = await this.products.call<{ items: { orderId: string }[] }>({
      operation: 'list_reservations',
      method: 'GET',
      path: `/internal/reservations?olderThanMs=${olderThanMs}&limit=500`,
      idempotent: true,
    });
    return res.status === 200 ? res.body.items : [];
  }
}
