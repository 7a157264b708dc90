// The two services orders depends on, behind the platform's service client (deadline, retries, circuit breaker).
// Answers other than a dependency failure come back as they are; what orders makes of them is decided here.
import { ServiceClient, type CallContext } from '@shipshape/platform/http-client';
import { isDependencyUnavailable } from '@shipshape/platform/errors';
import type { App } from '@shipshape/platform/service';
import { breakerOptions } from '@shipshape/platform/config';
import { groupCalls } from '@shipshape/platform/group-calls';
import {
  MAX_COMMIT_BATCH,
  MAX_RESERVE_BATCH,
  reservationPaths,
  type CommitBatchResult,
  type CommitOutcome,
  type ReserveBatchResult,
  type ReservationLine,
  type ReservedItem,
  type UnresolvedPage,
} from '@shipshape/platform/contracts/reservations';
import { MAX_USER_CHECK_BATCH, isUserId, usersPaths, type UserCheckResult } from '@shipshape/platform/contracts/users';
import { SERVICE_TOKEN_HEADER, type ServiceTokenSigner } from '@shipshape/platform/auth';
import type { Config } from '../config.ts';

/** A problem body as products answers it (what orders reads of it). */
type Problem = { type?: string; detail?: string; productId?: string };

/**
 * An answer products gave a whole group may be one order's doing; a products that cannot be reached, timed out,
 * answered 502/503/504 or has its breaker open (the client's 503 problem) is down for every order alike.
 */
const mayBeOneRequest = (err: unknown) => !isDependencyUnavailable(err);

/**
 * How long a commit waits for others before its group may leave. A commit follows its order's answer and nobody waits
 * for it, so it may wait: under a steady load one call then commits the orders of COMMIT_LINGER_MS, where it would
 * otherwise go nearly alone. Far below RECONCILE_GRACE_MS, so the reconciler never meets a commit still lingering.
 */
export const COMMIT_LINGER_MS = 10;

export type ReserveResult = { ok: true; items: ReservedItem[] } | { ok: false; status: number; problem: Problem };

export class Dependencies {
  readonly users: ServiceClient;
  readonly products: ServiceClient;
  private readonly signer: ServiceTokenSigner;
  private readonly log: App['log'];

  constructor(app: App, c: Config, signer: ServiceTokenSigner) {
    this.signer = signer;
    this.log = app.log;
    const common = {
      timeoutMs: c.UPSTREAM_TIMEOUT_MS,
      retries: c.UPSTREAM_RETRIES,
      breaker: breakerOptions(c),
    };
    const deps = { tracing: app.tracing, log: app.log };
    this.users = new ServiceClient({ target: 'users', baseUrl: c.USERS_URL, ...common }, app.metrics, deps);
    this.products = new ServiceClient({ target: 'products', baseUrl: c.PRODUCTS_URL, ...common }, app.metrics, deps);
    app.addHook('onClose', async () => {
      // The commits of orders already answered leave before the clients close (what fails is the reconciler's).
      while (this.commitsUnderway.size > 0) await Promise.allSettled([...this.commitsUnderway]);
      await Promise.all([this.users.close(), this.products.close()]);
    });
  }

  /** Every call proves it comes from orders: a short-lived token addressed to the callee. */
  private async identity(callee: 'users' | 'products'): Promise<Record<string, string>> {
    return { [SERVICE_TOKEN_HEADER]: await this.signer.tokenFor(callee) };
  }

  /**
   * Whether the user exists. Checks travel in groups (`userChecks`), as reservations do: while one call is on its
   * way, the checks that arrive wait and go together in the next, and users answers them from its cache. An id that
   * cannot name a user (not a lower-case UUID) is answered here.
   */
  async userExists(userId: string, ctx: CallContext): Promise<boolean> {
    if (!isUserId(userId)) return false;
    return this.userChecks({ userId, ctx });
  }

  private readonly userChecks = groupCalls<{ userId: string; ctx: CallContext }, boolean>(
    (requests) => this.sendUserChecks(requests),
    { maxGroup: MAX_USER_CHECK_BATCH, mayBeOneRequest },
  );

  private async sendUserChecks(requests: { userId: string; ctx: CallContext }[]): Promise<boolean[]> {
    const ids = [...new Set(requests.map((r) => r.userId))];
    const res = await this.users.call<UserCheckResult>({
      operation: 'get_user',
      method: 'POST',
      path: usersPaths.existing,
      headers: await this.identity('users'),
      body: { ids },
      idempotent: true,
      ...(requests[0] ? { ctx: requests[0].ctx } : {}),
    });
    if (res.status !== 200) throw new Error(`users answered ${res.status} to a check of ${ids.length} users`);
    const existing = new Set(res.body.existing);
    return requests.map((r) => existing.has(r.userId));
  }

  /**
   * Reserves the stock of an order. Reservations travel in groups (`reserveGroups`), as commits do: while one call
   * is on its way, the reservations that arrive wait and go together in the next, and products holds them in one
   * statement. Keyed by order id, so retrying a group is safe. A group's call carries the request id and trace
   * context of its first order; a group that fails as a whole is retried one order at a time, each with its own.
   */
  reserve(orderId: string, items: ReservationLine[], ctx: CallContext): Promise<ReserveResult> {
    return this.reserveGroups({ orderId, items, ctx });
  }

  private readonly reserveGroups = groupCalls<
    { orderId: string; items: ReservationLine[]; ctx: CallContext },
    ReserveResult
  >((requests) => this.sendReservations(requests), { maxGroup: MAX_RESERVE_BATCH, mayBeOneRequest });

  private async sendReservations(
    requests: { orderId: string; items: ReservationLine[]; ctx: CallContext }[],
  ): Promise<ReserveResult[]> {
    const res = await this.products.call<ReserveBatchResult & Problem>({
      operation: 'reserve_stock',
      method: 'POST',
      path: reservationPaths.reserveBatch,
      headers: await this.identity('products'),
      body: { reservations: requests.map((r) => ({ orderId: r.orderId, items: r.items })) },
      idempotent: true,
      ...(requests[0] ? { ctx: requests[0].ctx } : {}),
    });
    if (res.status !== 200) {
      // A group that failed as a whole is sent again one order at a time (`groupCalls`): one order that breaks the
      // call must not fail the others. An order alone gets the answer as it came.
      if (requests.length > 1) throw new Error(`products answered ${res.status} to a group of reservations`);
      return [{ ok: false, status: res.status, problem: res.body }];
    }
    return res.body.items.map((o) =>
      o.reservation && (o.status === 200 || o.status === 201)
        ? { ok: true, items: o.reservation.items }
        : { ok: false, status: o.status, problem: o.problem ?? {} },
    );
  }

  /** Commits started by `commitLater` that have not settled; closing waits for them. */
  private readonly commitsUnderway = new Set<Promise<void>>();

  /**
   * Ends the reservation of a recorded order after the order's answer: the order is recorded, so a commit that does
   * not get through changes nothing for its client, and the reconciler commits it RECONCILE_GRACE_MS later. What
   * came of it goes to `settled` (true: committed; false: products refused, the reservation already released), or to
   * `failed`. The service's close waits for the commits still under way.
   */
  commitLater(orderId: string, settled: (committed: boolean) => void, failed: (err: Error) => void): void {
    const underway: Promise<void> = this.commit(orderId)
      .then(settled, failed)
      // Nobody awaits this promise: a callback that throws is logged, never an unhandled rejection.
      .catch((err: unknown) => this.log.error({ orderId, err }, 'handling the outcome of a commit failed'))
      .finally(() => this.commitsUnderway.delete(underway));
    this.commitsUnderway.add(underway);
  }

  /**
   * Ends the reservation with its recorded order. Idempotent; false when products refused (already released, or
   * none held). Commits travel in groups (`commitGroups`) that linger COMMIT_LINGER_MS; the trace of the order ends at
   * the group's call rather than carrying one of its own.
   */
  async commit(orderId: string): Promise<boolean> {
    const status = await this.commitGroups(orderId);
    if (status === 'committed') return true;
    if (status === 'released' || status === 'missing') return false;
    throw new Error(`products left the reservation of order ${orderId} ${status}`);
  }

  /**
   * Group commit (`groupCalls`): a call refused in a way one order could have caused is sent again order by order; an
   * unavailable products fails every commit in it, each then retried by the reconciler.
   */
  private readonly commitGroups = groupCalls<string, CommitOutcome['status']>(
    (orderIds) => this.sendCommits(orderIds),
    { maxGroup: MAX_COMMIT_BATCH, mayBeOneRequest, lingerMs: COMMIT_LINGER_MS },
  );

  private async sendCommits(orderIds: string[]): Promise<CommitOutcome['status'][]> {
    const res = await this.products.call<CommitBatchResult>({
      operation: 'commit_stock',
      method: 'POST',
      path: reservationPaths.commitBatch,
      headers: await this.identity('products'),
      // The same order may be committed twice at once (its request and the reconciler): asked for once.
      body: { orderIds: [...new Set(orderIds)] },
      idempotent: true,
    });
    if (res.status !== 200) throw new Error(`products answered ${res.status} to a commit`);
    const byOrder = new Map(res.body.items.map((i) => [i.orderId, i.status]));
    return orderIds.map((id) => byOrder.get(id) ?? 'missing');
  }

  /** Returns the stock held for an order, committed or not; done when released or nothing was held. Idempotent. */
  async release(orderId: string, ctx: CallContext): Promise<void> {
    const res = await this.products.call({
      operation: 'release_stock',
      method: 'POST',
      path: reservationPaths.release(orderId),
      headers: await this.identity('products'),
      idempotent: true,
      ctx,
    });
    if (res.status !== 200 && res.status !== 404) throw new Error(`products answered ${res.status} to a release`);
  }

  /** One page of reservations neither committed nor released, older than `olderThanMs`. */
  async unresolvedReservations(olderThanMs: number, after: string | null, limit = 500): Promise<UnresolvedPage> {
    const query = new URLSearchParams({ olderThanMs: String(olderThanMs), limit: String(limit) });
    if (after) query.set('after', after);
    const res = await this.products.call<UnresolvedPage>({
      operation: 'list_reservations',
      method: 'GET',
      path: `${reservationPaths.unresolved}?${query}`,
      headers: await this.identity('products'),
      idempotent: true,
    });
    if (res.status !== 200) throw new Error(`products answered ${res.status} to a list of reservations`);
    return res.body;
  }
}
