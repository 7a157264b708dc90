import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { groupCalls } from '../src/group-calls.ts';

/** Failures other than "down" may be one request's doing. */
const mayBeOneRequest = (err: unknown) => !/down/.test((err as Error).message);

/** A sender that records every group it is given and answers each request with its double after `ms`. */
function recorder(ms: number, fails: (group: number[]) => boolean = () => false) {
  const groups: number[][] = [];
  const send = async (group: number[]) => {
    groups.push(group);
    await sleep(ms);
    if (fails(group)) throw new Error(`group ${group.join(',')} failed`);
    return group.map((n) => (n < 0 ? new Error(`${n} refused`) : n * 2));
  };
  return { groups, send };
}

describe('grouped calls', () => {
  test('when one request arrives alone, then it leaves at once in a group of one', async () => {
    const { groups, send } = recorder(5);
    const call = groupCalls(send, { maxGroup: 10, mayBeOneRequest });
    assert.equal(await call(21), 42);
    assert.deepEqual(groups, [[21]]);
  });

  test('when requests arrive while a call is on its way, then they wait and leave together in the next', async () => {
    const { groups, send } = recorder(30);
    const call = groupCalls(send, { maxGroup: 10, mayBeOneRequest });
    const first = call(1);
    await sleep(5);
    const rest = [2, 3, 4].map(call);
    assert.deepEqual(await Promise.all([first, ...rest]), [2, 4, 6, 8]);
    assert.deepEqual(groups, [[1], [2, 3, 4]]);
  });

  test('when a group may linger, then requests that arrive one by one within it leave together, and later ones in the next', async () => {
    const { groups, send } = recorder(5);
    const call = groupCalls(send, { maxGroup: 10, mayBeOneRequest, lingerMs: 40 });
    const startedAt = performance.now();
    const first = call(1);
    await sleep(10);
    const second = call(2);
    await sleep(10);
    const third = call(3);
    assert.deepEqual(await Promise.all([first, second, third]), [2, 4, 6]);
    // The group left no sooner than the linger after its first request (timers may fire a little early).
    assert.ok(performance.now() - startedAt >= 38, `answered after ${performance.now() - startedAt} ms`);
    assert.deepEqual(groups, [[1, 2, 3]]);
    assert.equal(await call(4), 8);
    assert.deepEqual(groups, [[1, 2, 3], [4]]);
  });

  test('when more requests wait than a group holds, then they leave in groups of at most that size', async () => {
    const { groups, send } = recorder(20);
    const call = groupCalls(send, { maxGroup: 2, mayBeOneRequest });
    const first = call(0);
    await sleep(5);
    const answers = await Promise.all([first, ...[1, 2, 3, 4, 5].map(call)]);
    assert.deepEqual(answers, [0, 2, 4, 6, 8, 10]);
    assert.ok(
      groups.every((g) => g.length <= 2),
      JSON.stringify(groups),
    );
    assert.deepEqual(groups.flat().sort(), [0, 1, 2, 3, 4, 5]);
  });

  test('when one request of a group is refused, then only that request fails', async () => {
    const { send } = recorder(10);
    const call = groupCalls(send, { maxGroup: 10, mayBeOneRequest });
    const first = call(1);
    await sleep(2);
    const settled = await Promise.allSettled([first, call(2), call(-1), call(3)]);
    assert.deepEqual(
      settled.map((s) => s.status),
      ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
    );
  });

  test('when a request breaks the whole call, then its group is sent again one by one and only it fails', async () => {
    // 13 is poison: any call that carries it fails as a whole, as a bug in the callee would.
    const { groups, send } = recorder(10, (group) => group.includes(13));
    const call = groupCalls(send, { maxGroup: 10, mayBeOneRequest });
    const first = call(1);
    await sleep(2);
    const settled = await Promise.allSettled([first, call(2), call(13), call(4)]);
    assert.deepEqual(
      settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message)),
      [2, 4, 'group 13 failed', 8],
    );
    assert.deepEqual(groups, [[1], [2, 13, 4], [2], [13], [4]]);
  });

  test('when a group of one fails, then it is not sent again', async () => {
    const { groups, send } = recorder(5, () => true);
    const call = groupCalls(send, { maxGroup: 10, mayBeOneRequest });
    await assert.rejects(call(7), /group 7 failed/);
    assert.deepEqual(groups, [[7]]);
  });

  test('when the callee is down as a whole, then the group fails without being sent again and the next still leaves', async () => {
    let down = true;
    const groups: number[][] = [];
    const send = async (group: number[]) => {
      groups.push(group);
      await sleep(5);
      if (down) throw new Error('the callee is down');
      return group.map((n) => n * 2);
    };
    const call = groupCalls(send, { maxGroup: 10, mayBeOneRequest });
    const first = call(1);
    await sleep(1);
    const settled = await Promise.allSettled([first, call(2), call(3)]);
    assert.ok(settled.every((s) => s.status === 'rejected'));
    assert.deepEqual(groups, [[1], [2, 3]]);
    down = false;
    assert.equal(await call(5), 10);
    assert.deepEqual(groups.at(-1), [5]);
  });
});
