// Group calls, as databases group commits: while one call is on its way, the requests that arrive wait and then
// leave together in the next (at most `maxGroup`). An idle caller sends each request at once; under load one call, and
// one statement behind it, serves many. Every request still waits for its own group's answer.
import DataLoader from 'dataloader';

/**
 * `send` answers a group, one value per request in the same order (an Error for a request that failed alone); a
 * rejected `send` fails every request of its group. Returns the function a single request calls.
 */
export function groupCalls<K, V>(
  send: (group: K[]) => Promise<(V | Error)[]>,
  maxGroup: number,
): (request: K) => Promise<V> {
  let inFlight: Promise<unknown> = Promise.resolve();
  const loader = new DataLoader<K, V>(
    (group) => {
      const sent = send([...group]);
      inFlight = sent.catch(() => undefined);
      return sent;
    },
    { cache: false, maxBatchSize: maxGroup, batchScheduleFn: (go) => void inFlight.then(() => setImmediate(go)) },
  );
  return (request) => loader.load(request);
}
