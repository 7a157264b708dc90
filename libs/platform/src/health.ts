// Liveness and readiness. Liveness only says the process serves HTTP; readiness says it should get traffic:
// required checks pass (database reachable, migrations applied) and it is not draining. Optional checks
// (the cache) report degradation without failing readiness.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface HealthCheck {
  name: string;
  /** Required checks fail readiness; optional ones only mark it degraded. */
  required: boolean;
  run(): Promise<{ ok: boolean; detail?: string }>;
}

export class Health {
  private draining = false;
  private readonly checks: HealthCheck[] = [];

  add(check: HealthCheck): void {
    this.checks.push(check);
  }

  startDraining(): void {
    this.draining = true;
  }

  isDraining(): boolean {
    return this.draining;
  }

  async evaluate(timeoutMs = 1500): Promise<{ ready: boolean; body: Record<string, unknown> }> {
    const results: Record<string, { status: string; detail?: string }> = {};
    let ready = !this.draining;
    let degraded = false;
    await Promise.all(
      this.checks.map(async (c) => {
        let timer: NodeJS.Timeout | undefined;
        const outcome = await Promise.race([
          c.run().catch((err: Error) => ({ ok: false, detail: err.message })),
          new Promise<{ ok: boolean; detail?: string }>((resolve) => {
            timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
          }),
        ]);
        clearTimeout(timer);
        results[c.name] = { status: outcome.ok ? 'up' : 'down', ...(outcome.detail ? { detail: outcome.detail } : {}) };
        if (!outcome.ok && c.required) ready = false;
        if (!outcome.ok && !c.required) degraded = true;
      }),
    );
    const status = this.draining ? 'draining' : !ready ? 'unavailable' : degraded ? 'degraded' : 'ok';
    return { ready, body: { status, checks: results } };
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    health: Health;
  }
}

export default fp<{ health: Health }>(
  async function healthPlugin(app: FastifyInstance, opts: { health: Health }) {
    const health = opts.health;
    app.decorate('health', health);
    const live = async () => ({ status: 'ok' });
    const ready = async (_req: unknown, reply: import('fastify').FastifyReply) => {
      const r = await health.evaluate();
      app.metrics.ready.set(r.ready ? 1 : 0);
      reply.code(r.ready ? 200 : 503).header('cache-control', 'no-store');
      return r.body;
    };
    const hide = { schema: { hide: true } };
    app.get('/health', hide, live);
    app.get('/health/live', hide, live);
    app.get('/ready', hide, ready);
    app.get('/health/ready', hide, ready);
  },
  { name: 'shipshape-health', fastify: '5.x', dependencies: ['shipshape-metrics'] },
);
