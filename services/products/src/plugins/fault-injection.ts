// Faults on purpose, for release rehearsals (a bad version the canary gate must catch): off unless configured, and the
// config refuses them in production. Probes and scrapes are spared, so a faulty version still looks healthy to them.
import { setTimeout as sleep } from 'node:timers/promises';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Problem } from '@shipshape/platform/errors';

export interface FaultOptions {
  /** Share of user requests answered 500; exact over any run of requests (every tenth for 0.1), not random. */
  errorRatio: number;
  delayMs: number;
}

const SPARED = new Set(['/health', '/health/live', '/health/ready', '/ready', '/metrics']);

export default fp<FaultOptions>(
  async function faultInjection(app: FastifyInstance, opts: FaultOptions) {
    if (opts.errorRatio <= 0 && opts.delayMs <= 0) return;
    app.log.warn({ ...opts }, 'fault injection is on');
    let owed = 0;
    app.addHook('onRequest', async (request) => {
      if (SPARED.has(request.routeOptions.url ?? '')) return;
      if (opts.delayMs > 0) await sleep(opts.delayMs);
      owed += opts.errorRatio;
      // The epsilon keeps 0.1 added ten times (0.9999999999999999) a whole failure.
      if (owed >= 1 - 1e-9) {
        owed -= 1;
        throw new Problem(500, 'fault-injected', 'Injected fault', 'this version fails some requests on purpose');
      }
    });
  },
  { name: 'fault-injection' },
);
