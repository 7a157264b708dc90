// Where the slow orders fall against the services' full collections: the report each service makes of them
// (gc-events.ts, in a real process) and how the orders are placed against them (collections.ts).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { tailAndCollections } from '../collections.ts';
import { GC_EVENT_PREFIX, parseGcEvent } from '../gc-events.ts';

const run = promisify(execFile);
const preload = `--import=${pathToFileURL(join(import.meta.dirname, '..', 'gc-events.ts')).href}`;

describe('full collections reported by a service', () => {
  test('when a process with the preload makes full collections, then each is one line with its wall-clock start', async () => {
    const before = Date.now();
    // Two full collections, one minor; the observer reports after the script's last line, so it waits a moment.
    const script = 'globalThis.gc(); globalThis.gc({ type: "minor" }); globalThis.gc(); setTimeout(() => {}, 200);';
    const { stderr } = await run(process.execPath, ['--expose-gc', preload, '-e', script], {
      env: { ...process.env, SHIPSHAPE_BENCH_GC_EVENTS: '1' },
    });
    const events = stderr
      .split('\n')
      .map(parseGcEvent)
      .filter((e) => e !== undefined);
    assert.equal(events.length, 2, stderr);
    for (const e of events) {
      assert.ok(e.at >= before - 1000 && e.at <= Date.now(), `start ${e.at} is not within the run`);
      assert.ok(e.ms >= 0);
    }
  });

  test('when the variable is not set, then the preload writes nothing', async () => {
    const { SHIPSHAPE_BENCH_GC_EVENTS: _, ...env } = process.env;
    const { stderr } = await run(process.execPath, ['--expose-gc', preload, '-e', 'globalThis.gc()'], { env });
    assert.equal(stderr.includes(GC_EVENT_PREFIX), false);
  });

  test('when a line is not a report, or a malformed one, then it is not taken for a collection', () => {
    assert.equal(parseGcEvent('{"level":"warn","msg":"x"}'), undefined);
    assert.equal(parseGcEvent(`${GC_EVENT_PREFIX}{"at":`), undefined);
    assert.equal(parseGcEvent(`${GC_EVENT_PREFIX}{"at":"soon","ms":1}`), undefined);
    assert.deepEqual(parseGcEvent(`${GC_EVENT_PREFIX}{"at":12.5,"ms":3}`), { at: 12.5, ms: 3 });
  });
});

describe('orders against the full collections', () => {
  // 1,000 orders due every 10 ms from t = 0, each 10 ms long, except the 11 due from t = 5,000 to 5,100, 40 ms.
  const orders = Array.from({ length: 1000 }, (_, i) => ({
    at: i * 10,
    ms: i * 10 >= 5000 && i * 10 <= 5100 ? 40 : 10,
  }));

  test('when the slow orders were in flight as a collection began, then all of them are near it and the p99 away from it is the rest', () => {
    const r = tailAndCollections(orders, { orders: [{ at: 5100, ms: 8 }], products: [] }, 25);
    assert.deepEqual(r.collections, { orders: 1, products: 0 });
    assert.equal(r.slowOrders, 11);
    assert.equal(r.slowNearCollection, 1);
    // Due from 4,950 to 5,158: 21 of the 1,000.
    assert.equal(r.nearShare, 0.021);
    assert.equal(r.p99Away, 10);
    // Against the pause at 5,100: the slow ones were due 100 ms before it to its start.
    const bin = (fromMs: number) => r.byOffset.find((b) => b.fromMs === fromMs);
    assert.deepEqual(bin(-100), { fromMs: -100, orders: 5, slow: 5 });
    assert.deepEqual(bin(-50), { fromMs: -50, orders: 5, slow: 5 });
    assert.deepEqual(bin(0), { fromMs: 0, orders: 5, slow: 1 });
    assert.deepEqual(bin(50), { fromMs: 50, orders: 5, slow: 0 });
    assert.equal(r.byOffset.reduce((sum, b) => sum + b.orders, 0) + r.farther.orders, 1000);
    assert.deepEqual(r.farther, { orders: 941, slow: 0 });
  });

  test('when there is no collection, then no slow order is near one and the p99 away is the p99 of all', () => {
    const r = tailAndCollections(orders, { orders: [] }, 25);
    assert.equal(r.slowOrders, 11);
    assert.equal(r.slowNearCollection, 0);
    assert.equal(r.nearShare, 0);
    assert.equal(r.p99Away, 40);
    assert.deepEqual(r.farther, { orders: 1000, slow: 11 });
  });

  test('when a collection falls outside the scenario, then it is not counted', () => {
    const r = tailAndCollections(
      orders,
      {
        gateway: [
          { at: -5000, ms: 5 },
          { at: 99_000, ms: 5 },
        ],
      },
      25,
    );
    assert.deepEqual(r.collections, { gateway: 0 });
  });
});
