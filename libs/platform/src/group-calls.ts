// Group calls, as databases group commits: while one call is on its way, the requests that arrive wait and then
// leave together in the next (at most `maxGroup`). An idle caller sends each request at once; under load one call, and
// one statement behind it, serves many. Every request still waits for its own group's answer. Calls nobody waits for
// (work done after the answer) may also linger: a group then leaves `lingerMs` after its first request at the
// earliest, so a steady trickle shares calls too.
import DataLoader from 'dataloader';

export interface GroupOptions {
  /** Most requests in one call. */
  maxGroup: number;
  /**
   * Whether a group's failure may be one request's doing (a bug it alone triggers, a row the statement refuses): the
   * group is then sent again one request at a time. A failure of the callee as a whole (unreachable, timed out,
   * overloaded, its breaker open) fails the group without more calls, so an outage is not met with a storm of them.
   */
  mayBeOneRequest: (err: unknown) => boolean;
  /** How long a group's first request waits for others before the group may leave (default 0: at once). */
  lingerMs?: number;
}

/**
 * `send` answers a group, one value per request in the same order (an Error for a request that failed alone). When
 * `send` rejects for a group of several and the failure may be one request's doing, each request is sent again
 * alone, so that request fails only itself and never its neighbours. Returns the function a single request calls.
 */
export function groupCalls<K, V>(
  send: (group: K[]) => Promise<(V | Error)[]>,
  { maxGroup, mayBeOneRequest, lingerMs = 0 }: GroupOptions,
): (request: K) => Promise<V> {
  let inFlight: Promise<unknown> = Promise.resolve();
  const alone = (request: K): Promise<V | Error> =>
    send([request]).then(
      ([answer]) => answer as V | Error,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
  const loader = new DataLoader<K, V>(
    (group) => {
      const sent = send([...group]).catch((e: unknown) => {
        if (group.length < 2 || !mayBeOneRequest(e)) throw e;
        return Promise.all(group.map(alone));
      });
      inFlight = sent.catch(() => undefined);
      return sent;
    },
    {
      cache: false,
      maxBatchSize: maxGroup,
      batchScheduleFn:
        lingerMs > 0
          ? (go) => void setTimeout(() => void inFlight.then(() => setImmediate(go)), lingerMs)
          : (go) => void inFlight.then(() => setImmediate(go)),
    },
  );
  return (request) => loader.load(request);
}
