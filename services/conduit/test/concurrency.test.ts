// Correct under concurrency: clashing slugs, a storm of favorites, and one user favoriting many times at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conduitUnderTest, type Person, unique } from './helpers.ts';

const conduit = conduitUnderTest({ DATABASE_POOL_MAX: '20' });
const c = conduit.api;

test('when ten articles with the same title are created at once, then all get 201 and ten distinct slugs', async () => {
  const author = await c.register();
  const title = `Breaking news ${unique()}`;
  const results = await Promise.all(
    Array.from({ length: 10 }, () =>
      c.request('POST', '/articles', { as: author, body: { article: { title, description: 'd', body: 'b' } } }),
    ),
  );
  assert.deepEqual(
    results.map((r) => r.status),
    Array(10).fill(201),
    results.map((r) => r.text).join('\n'),
  );
  const slugs = new Set(results.map((r) => r.body.article.slug as string));
  assert.equal(slugs.size, 10);
  const stored = await conduit.db.query('SELECT slug FROM conduit.articles WHERE title = $1', [title]);
  assert.deepEqual(new Set(stored.rows.map((r) => r.slug)), slugs);
});

test('when 50 different users favorite one article at once, then its count is exactly 50, as stored', async () => {
  const author = await c.register();
  const a = await c.article(author);
  const fans: Person[] = [];
  // Registration hashes a password each time; ten at a time keeps the machine responsive.
  for (let i = 0; i < 50; i += 10) fans.push(...(await Promise.all(Array.from({ length: 10 }, () => c.register()))));
  const results = await Promise.all(fans.map((fan) => c.request('POST', `/articles/${a.slug}/favorite`, { as: fan })));
  assert.deepEqual(
    results.map((r) => r.status),
    Array(50).fill(200),
  );
  assert.ok(results.every((r) => r.body.article.favorited === true));
  const read = await c.request('GET', `/articles/${a.slug}`);
  assert.equal(read.body.article.favoritesCount, 50);
  const stored = await conduit.db.query<{ counter: number; rows: number }>(
    `SELECT a.favorites_count AS counter, (SELECT count(*)::int FROM conduit.favorites f WHERE f.article_id = a.id) AS rows
     FROM conduit.articles a WHERE a.slug = $1`,
    [a.slug],
  );
  assert.deepEqual(stored.rows[0], { counter: 50, rows: 50 });
});

test('when one user favorites the same article 20 times at once, then it counts once', async () => {
  const author = await c.register();
  const fan = await c.register();
  const a = await c.article(author);
  const results = await Promise.all(
    Array.from({ length: 20 }, () => c.request('POST', `/articles/${a.slug}/favorite`, { as: fan })),
  );
  assert.ok(results.every((r) => r.status === 200));
  assert.equal((await c.request('GET', `/articles/${a.slug}`)).body.article.favoritesCount, 1);
  const unfavorites = await Promise.all(
    Array.from({ length: 20 }, () => c.request('DELETE', `/articles/${a.slug}/favorite`, { as: fan })),
  );
  assert.ok(unfavorites.every((r) => r.status === 200));
  assert.equal((await c.request('GET', `/articles/${a.slug}`)).body.article.favoritesCount, 0);
});
