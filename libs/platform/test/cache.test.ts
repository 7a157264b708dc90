// The Redis cache backend against a real Redis: an invalidation deletes its keys and moves its generations on, in one
// command, and a replica's in-process layer hears of it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pino from 'pino';
import { RedisBackend } from '../src/cache.ts';
import { Metrics } from '../src/metrics.ts';
import { NearCache } from '../src/near-cache.ts';
import { REDIS_URL } from '../../../test/support/env.ts';

let backend: RedisBackend;
let plain: Redis;
const prefix = `cache-test:${randomUUID()}:`;

before(async () => {
  backend = new RedisBackend(REDIS_URL, prefix, new Metrics('cache-test'), pino({ level: 'silent' }));
  plain = new Redis(REDIS_URL);
  if (!backend.isUp()) await once(backend.client, 'ready');
});
after(async () => {
  const keys = await plain.keys(`${prefix}*`);
  if (keys.length) await plain.unlink(...keys);
  await backend.close();
  plain.disconnect();
});

/** Every command on this test's keys that Redis runs while `during` runs, as MONITOR shows them. */
async function commandsDuring(during: () => Promise<void>): Promise<string[]> {
  const monitor = await plain.monitor();
  const seen: string[] = [];
  const marker = `${prefix}end:${randomUUID()}`;
  // MONITOR delivers in order: once the marker's ECHO is seen, every command before it has been too.
  const ended = new Promise<void>((resolve) =>
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[1] === marker) resolve();
      else if (args.some((a) => String(a).startsWith(prefix))) seen.push(String(args[0]).toLowerCase());
    }),
  );
  await during();
  await plain.echo(marker);
  await ended;
  monitor.disconnect();
  return seen;
}

describe('the Redis cache backend', () => {
  test('when keys and generations are invalidated, then the keys are gone and each generation moved on by one, in one command', async () => {
    await plain.set(`${prefix}product:1`, 'a');
    await plain.set(`${prefix}product:2`, 'b');
    await plain.set(`${prefix}list:gen`, '7');
    const commands = await commandsDuring(() =>
      backend.invalidate([`${prefix}product:1`, `${prefix}product:2`], [`${prefix}list:gen`, `${prefix}other:gen`]),
    );
    assert.equal(await plain.exists(`${prefix}product:1`, `${prefix}product:2`), 0);
    assert.equal(await plain.get(`${prefix}list:gen`), '8');
    assert.equal(await plain.get(`${prefix}other:gen`), '1', 'a generation that did not exist starts at 1');
    // The client's first call may be EVAL (the script not loaded yet) or EVALSHA; the script's own UNLINK and INCR
    // follow it. No MULTI, no EXEC.
    assert.ok(['eval', 'evalsha'].includes(commands[0] ?? ''), commands.join(' '));
    assert.equal(commands.filter((c) => c === 'eval' || c === 'evalsha').length, 1, commands.join(' '));
    assert.ok(!commands.includes('multi') && !commands.includes('exec'), commands.join(' '));
  });

  test('when a group of 1,234 keys is invalidated, then every one is gone (UNLINK in slices within Lua limits)', async () => {
    const keys = Array.from({ length: 1234 }, (_, i) => `${prefix}bulk:${i}`);
    await plain.mset(...keys.flatMap((k) => [k, 'x']));
    await backend.invalidate(keys, [`${prefix}bulk:gen`]);
    assert.equal(await plain.exists(...keys), 0);
    assert.equal(await plain.get(`${prefix}bulk:gen`), '1');
  });

  test('when only generations are invalidated, then each moves on and nothing else changes', async () => {
    await plain.set(`${prefix}kept`, 'v');
    await backend.invalidate([], [`${prefix}only:gen`]);
    await backend.invalidate([], [`${prefix}only:gen`]);
    assert.equal(await plain.get(`${prefix}only:gen`), '2');
    assert.equal(await plain.get(`${prefix}kept`), 'v');
  });

  test('when a replica keeps a key in its in-process layer, then the invalidation reaches it through Redis', async () => {
    const near = new NearCache(REDIS_URL, { prefix, ttlSeconds: 60, maxBytes: 1 << 20 }, pino({ level: 'silent' }));
    try {
      const deadline = Date.now() + 5000;
      while (!near.isActive()) {
        assert.ok(Date.now() < deadline, 'the in-process layer came on');
        await sleep(20);
      }
      const key = `${prefix}tracked`;
      await plain.set(key, 'old');
      near.set(key, 'old', near.ticket());
      assert.equal(near.get(key), 'old');
      await backend.invalidate([key], []);
      while (near.get(key) !== undefined) {
        assert.ok(Date.now() < deadline, 'the invalidation message arrived');
        await sleep(5);
      }
    } finally {
      await near.close();
    }
  });

  test('when both of its connections come up, then the layer comes on once, without a refused tracking switch', async () => {
    const lines: { level: number; msg: string }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const near = new NearCache(REDIS_URL, { prefix, ttlSeconds: 60, maxBytes: 1 << 20 }, log);
    try {
      const deadline = Date.now() + 5000;
      while (!near.isActive()) {
        assert.ok(Date.now() < deadline, 'the in-process layer came on');
        await sleep(20);
      }
      // Both connections' `ready` ask for the switch; give the second one time to land.
      await sleep(200);
      assert.deepEqual(
        lines.filter((l) => l.level >= 40).map((l) => l.msg),
        [],
        'no warning: Redis refused no tracking switch',
      );
      assert.ok(near.isActive());
    } finally {
      await near.close();
    }
  });

  test('when Redis cannot be reached, then the invalidation fails rather than pretending, and is remembered', async () => {
    const away = new RedisBackend(
      'redis://127.0.0.1:1',
      prefix,
      new Metrics('cache-test-away'),
      pino({ level: 'silent' }),
    );
    try {
      await assert.rejects(away.invalidate([`${prefix}x`], []));
      assert.equal((away as unknown as { missedInvalidation: boolean }).missedInvalidation, true);
    } finally {
      await away.close();
    }
  });
});
