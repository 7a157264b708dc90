// Group calls, as databases group commits: while one call is on its way, the requests that arrive wait and then
// leave together in the next (at most `maxGroup`). An idle caller sends each request at once; under load one call, and
// one statement behind it, serves many. Every request still waits for its own group's answer.
import DataLoader from 'dataloader';

/**
 * `send` answers a group, one value per request in the same order (an Error for a request that failed alone). When
 * `send` rejects for a group of several, each of its requests is sent again alone, so one request that breaks a
 * call (a bug it triggers, a row the statement refuses) fails only itself and never its neighbours. Returns the
 * function a single request calls.
 */
export function groupCalls<K, V>(
  send: (group: K[]) => Promise<(V | Error)[]>,
  maxGroup: number,
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
        if (group.length < 2) throw e;
        return Promise.all(group.map(alone));
      });
      inFlight = sent.catch(() => undefined);
      return sent;
    },
    { cache: false, maxBatchSize: maxGroup, batchScheduleFn: (go) => void inFlight.then(() => setImmediate(go)) },
  );
  return (request) => loader.load(request);
}
