// One upstream service as the proxy sees it: the platform's service client (deadline, jittered retries for
// idempotent methods only, circuit breaker, metrics) behind the undici-pool face @fastify/reply-from calls, so every
// proxied request passes through the same policies as the calls between services.
import type { Dispatcher } from 'undici';
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '@shipshape/platform/metrics';
import { ServiceClient, type BreakerOptions, type SendOptions } from '@shipshape/platform/http-client';

export interface UpstreamOptions {
  /** Metric label and name in messages: users, products, orders. */
  target: string;
  baseUrl: string;
  /** Deadline for the whole proxied request, retries and response body included. */
  timeoutMs: number;
  retries: number;
  breaker: BreakerOptions;
}

type Callback = (err: Error | null, res?: Dispatcher.ResponseData) => void;

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD']);

export class Upstream {
  readonly target: string;
  readonly baseUrl: string;
  readonly client: ServiceClient;

  constructor(opts: UpstreamOptions, metrics: Metrics, log: FastifyBaseLogger) {
    this.target = opts.target;
    this.baseUrl = opts.baseUrl;
    // A 503 is the upstream answering fast that one of *its* dependencies is down: counting it would let a products
    // outage open the gateway's breaker to orders and cut off reads that still work. It is still retried.
    this.client = new ServiceClient({ ...opts, countedStatuses: [502, 504], connections: 128 }, metrics, { log });
  }

  /** What @fastify/reply-from hands to its undici pool (its `undici` option accepts anything with `request`). */
  readonly dispatcher = {
    request: (req: Omit<SendOptions, 'operation' | 'idempotent'>, callback: Callback): void => {
      this.client
        .send({ ...req, operation: 'proxy', idempotent: IDEMPOTENT_METHODS.has(req.method.toUpperCase()) })
        .then(
          (res) => callback(null, res),
          (err: Error) => callback(err),
        );
    },
  };

  async close(): Promise<void> {
    await this.client.close();
  }
}
