// A small HTTP client over global fetch that keeps what the checks look at: status, headers and the parsed body.
import { randomUUID } from 'node:crypto';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  body: unknown;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  token?: string;
}

export class Client {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly runId: string;
  #sequence = 0;

  constructor(baseUrl: string, timeoutMs = 10_000) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = timeoutMs;
    this.runId = randomUUID().slice(0, 8);
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<Reply> {
    this.#sequence += 1;
    // Every request carries a findable id, so a failed check can be traced in the service logs.
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      'x-request-id': `acceptance-${this.runId}-${this.#sequence}`,
      ...options.headers,
    };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let payload: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(options.body);
    }
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: payload,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    let body: unknown;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    return { status: response.status, headers: response.headers, text, body };
  }
}

/** Starts a request and hangs up after `afterMs`, as an impatient client or a load balancer timeout does. */
export async function hangUp(url: string, afterMs: number): Promise<void> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(afterMs) });
    await response.arrayBuffer();
  } catch {
    // The hang-up itself is the point; its error is expected.
  }
}

/** Why a request could not be made, in one line (no stack trace for a refused connection or a timeout). */
export function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return 'timed out';
  const cause = (err as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `${code}: ${cause.message}` : cause.message;
  }
  return err.message;
}
