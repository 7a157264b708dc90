// One closed-loop load scenario: autocannon's connections each send the next request as soon as the last is
// answered, so the throughput is the most the system serves. Reduced to the figures the report needs.
import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Fresh headers, and optionally a fresh body, per request (e.g. a unique Idempotency-Key). */
  perRequest?: () => { headers: Record<string, string>; body?: string };
  connections: number;
  durationSeconds: number;
}

export interface LoadFigures {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** Paced runs only (paced.ts): how late the generator itself sent, and its longest collection pause, ms. */
  sendLagP99Ms?: number;
  generatorGcMaxMs?: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadFigures> {
  const { perRequest } = options;
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    body: options.body,
    connections: options.connections,
    duration: options.durationSeconds,
    requests: perRequest
      ? [
          {
            setupRequest: (request) => {
              const fresh = perRequest();
              return {
                ...request,
                headers: { ...request.headers, ...fresh.headers },
                ...(fresh.body === undefined ? {} : { body: fresh.body }),
              };
            },
          },
        ]
      : undefined,
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  return {
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
  };
}

/** Problems that make a scenario's figures meaningless (errors, refused or rate-limited requests). */
export function loadProblems(figures: LoadFigures): string[] {
  const problems: string[] = [];
  if (figures.requests === 0) problems.push('no request completed');
  if (figures.errors > 0) problems.push(`${figures.errors} connection errors (${figures.timeouts} timeouts)`);
  if (figures.non2xx > 0) {
    const codes = Object.entries(figures.statusCodes)
      .filter(([code]) => !code.startsWith('2'))
      .map(([code, n]) => `${n}×${code}`);
    const hint = figures.statusCodes['429'] ? ' (rate limited: raise the gateway RATE_LIMIT_MAX)' : '';
    problems.push(`${figures.non2xx} non-2xx responses: ${codes.join(', ')}${hint}`);
  }
  return problems;
}
