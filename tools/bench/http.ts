// The benchmark's own set-up calls (sign up, create a product, fill the article page): JSON in and out, a bounded
// wait, and the answer's text in the error when the status is not 2xx.

/**
 * The gateway's RATE_LIMIT_MAX in a system the benchmark starts, and in its yardsticks that limit: one load generator
 * is one client, and it must stay far below its limit. A gateway counts a client locally only while the client is
 * under half its limit; past that, every request goes to Redis. With a limit of a million a minute, a fast machine
 * (20,000 reads a second through the gateway) crosses half of it within 25 s of a window, so scenarios late in a
 * window would measure the near-limit path, and back-to-back runs sharing a window were refused with 429.
 */
export const BENCH_RATE_LIMIT_MAX = '1000000000';

export async function callJson(
  method: string,
  url: string,
  body?: unknown,
  authorization?: string,
): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (authorization) headers.authorization = authorization;
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}
