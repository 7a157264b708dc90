// Articles, favorites, the feed, comments, tags and CORS, through the API against real PostgreSQL and Redis.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertErrors, conduitUnderTest, ISO_MS, type Person, unique } from './helpers.ts';

const conduit = conduitUnderTest();
const c = conduit.api;

describe('creating and reading articles', () => {
  test('when an article is created, then 201 with a slug from the title, sorted unique tags and ISO dates with ms', async () => {
    const author = await c.register();
    const res = await c.request('POST', '/articles', {
      as: author,
      body: {
        article: {
          title: 'How to Train Your Dragon!',
          description: 'Ever wonder how?',
          body: 'You have to believe',
          tagList: ['training', 'dragons', 'training'],
        },
      },
    });
    assert.equal(res.status, 201, res.text);
    const a = res.body.article;
    assert.match(a.slug, /^how-to-train-your-dragon(-[0-9a-f]{10})?$/);
    assert.deepEqual(a.tagList, ['dragons', 'training']);
    assert.match(a.createdAt, ISO_MS);
    assert.match(a.updatedAt, ISO_MS);
    assert.equal(a.favorited, false);
    assert.equal(a.favoritesCount, 0);
    assert.equal(a.body, 'You have to believe');
    assert.deepEqual(a.author, { username: author.username, bio: null, image: null, following: false });
    const stored = await conduit.db.query('SELECT tag_list, favorites_count FROM conduit.articles WHERE slug = $1', [
      a.slug,
    ]);
    assert.deepEqual(stored.rows[0], { tag_list: ['dragons', 'training'], favorites_count: 0 });
    const read = await c.request('GET', `/articles/${a.slug}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.article, a);
  });

  test('when creating without a token or without required fields, then 401 / 422 and nothing stored', async () => {
    const author = await c.register();
    const count = async () => (await conduit.db.query('SELECT count(*)::int AS n FROM conduit.articles')).rows[0]?.n;
    const n = await count();
    assertErrors(
      await c.request('POST', '/articles', { body: { article: { title: 't', description: 'd', body: 'b' } } }),
      401,
    );
    const missing = await c.request('POST', '/articles', { as: author, body: { article: { title: 'Only a title' } } });
    assertErrors(missing, 422);
    assert.ok(missing.body.errors.body.includes("article.body can't be blank"), missing.text);
    assertErrors(
      await c.request('POST', '/articles', {
        as: author,
        body: { article: { title: ' ', description: 'd', body: 'b' } },
      }),
      422,
    );
    assertErrors(
      await c.request('POST', '/articles', {
        as: author,
        body: { article: { title: 't', description: 'd', body: 'b', tagList: { not: 'a list' } } },
      }),
      422,
    );
    assert.equal(await count(), n);
  });

  test('when a title has no latin letters or repeats, then the slug is still valid and unique', async () => {
    const author = await c.register();
    const one = await c.article(author, { title: '🚢 ☃' });
    assert.match(one.slug, /^article(-[0-9a-f]{10})?$/);
    const title = `Same title ${unique()}`;
    const a = await c.article(author, { title });
    const b = await c.article(author, { title });
    assert.notEqual(a.slug, b.slug);
    assert.match(b.slug, new RegExp(`^${a.slug}-[0-9a-f]{10}$`));
  });

  test('when an unknown slug is read, then 404 in the RealWorld format', async () => {
    assertErrors(await c.request('GET', `/articles/no-such-${unique()}`), 404);
    assertErrors(await c.request('GET', `/articles/no-such-${unique()}/comments`), 404);
  });

  test('when the same article is read twice, then the second read is a cache hit; a write makes it a miss again', async () => {
    const author = await c.register();
    const a = await c.article(author);
    assert.equal((await c.request('GET', `/articles/${a.slug}`)).headers.get('x-cache'), 'miss');
    assert.equal((await c.request('GET', `/articles/${a.slug}`)).headers.get('x-cache'), 'hit');
    await c.request('PUT', `/articles/${a.slug}`, { as: author, body: { article: { body: 'New text' } } });
    const after = await c.request('GET', `/articles/${a.slug}`);
    assert.equal(after.headers.get('x-cache'), 'miss');
    assert.equal(after.body.article.body, 'New text');
  });
});

describe('listing articles', () => {
  let writer: Person;
  let other: Person;
  let fan: Person;
  const tag = `tag${unique()}`;
  const slugs: string[] = [];

  before(async () => {
    writer = await c.register();
    other = await c.register();
    fan = await c.register();
    for (let i = 0; i < 5; i += 1)
      slugs.push((await c.article(writer, { title: `Post ${i} ${unique()}`, tagList: [tag] })).slug);
    await c.article(other, { title: `Other ${unique()}`, tagList: ['elsewhere'] });
    await c.request('POST', `/articles/${slugs[1]}/favorite`, { as: fan });
    await c.request('POST', `/articles/${slugs[3]}/favorite`, { as: fan });
  });

  test('when listing by author, then most recent first, with body, and articlesCount counts all matches', async () => {
    const res = await c.request('GET', `/articles?author=${writer.username}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.articlesCount, 5);
    assert.deepEqual(
      res.body.articles.map((a: { slug: string }) => a.slug),
      [...slugs].reverse(),
    );
    for (const a of res.body.articles) {
      assert.equal(typeof a.body, 'string', 'lists carry the body, as the specification suite expects');
      assert.match(a.createdAt, ISO_MS);
      assert.equal(typeof a.favoritesCount, 'number');
      assert.deepEqual(Object.keys(a.author).sort(), ['bio', 'following', 'image', 'username']);
    }
  });

  test('when paging with limit and offset, then pages are disjoint, ordered, and the count stays the total', async () => {
    const first = await c.request('GET', `/articles?author=${writer.username}&limit=2`);
    const second = await c.request('GET', `/articles?author=${writer.username}&limit=2&offset=2`);
    const last = await c.request('GET', `/articles?author=${writer.username}&limit=2&offset=4`);
    const beyond = await c.request('GET', `/articles?author=${writer.username}&limit=2&offset=50`);
    const seen = [first, second, last].flatMap((r) => r.body.articles.map((a: { slug: string }) => a.slug));
    assert.deepEqual(seen, [...slugs].reverse());
    for (const r of [first, second, last, beyond]) assert.equal(r.body.articlesCount, 5);
    assert.deepEqual(beyond.body.articles, []);
    assertErrors(await c.request('GET', '/articles?limit=0'), 422);
    assertErrors(await c.request('GET', '/articles?offset=-1'), 422);
    assertErrors(await c.request('GET', '/articles?limit=abc'), 422);
  });

  test('when filtering by tag or by who favorited, then only those articles come back', async () => {
    const byTag = await c.request('GET', `/articles?tag=${tag}`);
    assert.equal(byTag.body.articlesCount, 5);
    assert.ok(byTag.body.articles.every((a: { tagList: string[] }) => a.tagList.includes(tag)));
    const favorited = await c.request('GET', `/articles?favorited=${fan.username}`);
    assert.deepEqual(
      favorited.body.articles.map((a: { slug: string }) => a.slug),
      [slugs[3], slugs[1]],
    );
    assert.equal(favorited.body.articlesCount, 2);
    const both = await c.request('GET', `/articles?favorited=${fan.username}&author=${other.username}`);
    assert.deepEqual(both.body, { articles: [], articlesCount: 0 });
    const nobody = await c.request('GET', `/articles?author=nobody${unique()}`);
    assert.deepEqual(nobody.body, { articles: [], articlesCount: 0 });
  });

  test('when a signed-in reader lists, then favorited and following are theirs, though the list itself is cached', async () => {
    await c.request('POST', `/profiles/${writer.username}/follow`, { as: fan });
    await c.request('GET', `/articles?author=${writer.username}`);
    const mine = await c.request('GET', `/articles?author=${writer.username}`, { as: fan });
    assert.equal(mine.headers.get('x-cache'), 'hit');
    const flags = mine.body.articles.map((a: { slug: string; favorited: boolean }) => [a.slug, a.favorited]);
    assert.deepEqual(
      flags,
      [...slugs].reverse().map((s) => [s, s === slugs[1] || s === slugs[3]]),
    );
    assert.ok(mine.body.articles.every((a: { author: { following: boolean } }) => a.author.following));
    const anonymous = await c.request('GET', `/articles?author=${writer.username}`);
    assert.ok(
      anonymous.body.articles.every(
        (a: { favorited: boolean; author: { following: boolean } }) => !a.favorited && !a.author.following,
      ),
    );
  });

  test('when a new article is written, then the cached list shows it at once', async () => {
    const before = await c.request('GET', '/articles?limit=1');
    assert.equal((await c.request('GET', '/articles?limit=1')).headers.get('x-cache'), 'hit');
    const fresh = await c.article(other);
    const after = await c.request('GET', '/articles?limit=1');
    assert.equal(after.body.articles[0].slug, fresh.slug);
    assert.equal(after.body.articlesCount, before.body.articlesCount + 1);
  });
});

describe('the feed', () => {
  test('when someone follows authors, then the feed holds only their articles, newest first; no token is 401', async () => {
    const reader = await c.register();
    const followed = await c.register();
    const ignored = await c.register();
    const a1 = await c.article(followed);
    await c.article(ignored);
    const a2 = await c.article(followed);
    const empty = await c.request('GET', '/articles/feed', { as: reader });
    assert.deepEqual(empty.body, { articles: [], articlesCount: 0 });
    await c.request('POST', `/profiles/${followed.username}/follow`, { as: reader });
    const feed = await c.request('GET', '/articles/feed', { as: reader });
    assert.equal(feed.status, 200);
    assert.deepEqual(
      feed.body.articles.map((a: { slug: string }) => a.slug),
      [a2.slug, a1.slug],
    );
    assert.equal(feed.body.articlesCount, 2);
    assert.ok(feed.body.articles.every((a: { author: { following: boolean } }) => a.author.following));
    assert.equal(typeof feed.body.articles[0].body, 'string');
    const page = await c.request('GET', '/articles/feed?limit=1&offset=1', { as: reader });
    assert.deepEqual(
      page.body.articles.map((a: { slug: string }) => a.slug),
      [a1.slug],
    );
    assertErrors(await c.request('GET', '/articles/feed'), 401);
  });
});

describe('changing and deleting articles', () => {
  test('when the author changes the title, then the slug follows it and the old slug is gone', async () => {
    const author = await c.register();
    const a = await c.article(author, { tagList: ['x'] });
    const title = `Did you train your dragon ${unique()}`;
    const res = await c.request('PUT', `/articles/${a.slug}`, { as: author, body: { article: { title } } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.article.title, title);
    assert.equal(res.body.article.slug, title.toLowerCase().replaceAll(' ', '-'));
    assert.equal(res.body.article.description, a.description);
    assert.deepEqual(res.body.article.tagList, ['x']);
    assert.ok(res.body.article.updatedAt >= a.updatedAt);
    assertErrors(await c.request('GET', `/articles/${a.slug}`), 404);
    assert.equal((await c.request('GET', `/articles/${res.body.article.slug}`)).status, 200);
  });

  test('when someone else changes or deletes an article, then 403; without a token 401; unknown slug 404', async () => {
    const author = await c.register();
    const intruder = await c.register();
    const a = await c.article(author);
    assertErrors(
      await c.request('PUT', `/articles/${a.slug}`, { as: intruder, body: { article: { body: 'mine' } } }),
      403,
    );
    assertErrors(await c.request('DELETE', `/articles/${a.slug}`, { as: intruder }), 403);
    assertErrors(await c.request('PUT', `/articles/${a.slug}`, { body: { article: { body: 'mine' } } }), 401);
    assertErrors(await c.request('DELETE', `/articles/${a.slug}`), 401);
    assertErrors(
      await c.request('PUT', `/articles/none-${unique()}`, { as: author, body: { article: { body: 'b' } } }),
      404,
    );
    assertErrors(await c.request('DELETE', `/articles/none-${unique()}`, { as: author }), 404);
    assert.equal((await c.request('GET', `/articles/${a.slug}`)).body.article.body, a.body);
  });

  test('when the author deletes an article, then 200, it is gone with its comments and favorites, and lists drop it', async () => {
    const author = await c.register();
    const fan = await c.register();
    const a = await c.article(author, { tagList: [`gone${unique()}`] });
    await c.request('POST', `/articles/${a.slug}/favorite`, { as: fan });
    await c.request('POST', `/articles/${a.slug}/comments`, { as: fan, body: { comment: { body: 'nice' } } });
    assert.equal((await c.request('GET', `/articles?author=${author.username}`)).body.articlesCount, 1);
    const res = await c.request('DELETE', `/articles/${a.slug}`, { as: author });
    assert.equal(res.status, 200);
    assertErrors(await c.request('GET', `/articles/${a.slug}`), 404);
    assert.equal((await c.request('GET', `/articles?author=${author.username}`)).body.articlesCount, 0);
    assert.equal((await c.request('GET', '/tags')).body.tags.includes(a.tagList[0]), false);
    const left = await conduit.db.query(
      `SELECT (SELECT count(*) FROM conduit.comments c JOIN conduit.users u ON u.id = c.author_id WHERE u.username = $1)::int AS comments,
              (SELECT count(*) FROM conduit.favorites f JOIN conduit.users u ON u.id = f.user_id WHERE u.username = $1)::int AS favorites`,
      [fan.username],
    );
    assert.deepEqual(left.rows[0], { comments: 0, favorites: 0 });
  });
});

describe('favorites', () => {
  test('when a user favorites twice and unfavorites twice, then the count moves by one each way', async () => {
    const author = await c.register();
    const fan = await c.register();
    const a = await c.article(author);
    for (let i = 0; i < 2; i += 1) {
      const res = await c.request('POST', `/articles/${a.slug}/favorite`, { as: fan });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.article.favorited, true);
      assert.equal(res.body.article.favoritesCount, 1);
    }
    assert.equal((await c.request('GET', `/articles/${a.slug}`, { as: fan })).body.article.favorited, true);
    assert.equal((await c.request('GET', `/articles/${a.slug}`, { as: author })).body.article.favorited, false);
    for (let i = 0; i < 2; i += 1) {
      const res = await c.request('DELETE', `/articles/${a.slug}/favorite`, { as: fan });
      assert.equal(res.status, 200);
      assert.equal(res.body.article.favorited, false);
      assert.equal(res.body.article.favoritesCount, 0);
    }
  });

  test('when favoriting without a token or an unknown article, then 401 / 404', async () => {
    const fan = await c.register();
    const a = await c.article(fan);
    assertErrors(await c.request('POST', `/articles/${a.slug}/favorite`), 401);
    assertErrors(await c.request('DELETE', `/articles/${a.slug}/favorite`), 401);
    assertErrors(await c.request('POST', `/articles/none-${unique()}/favorite`, { as: fan }), 404);
    assertErrors(await c.request('DELETE', `/articles/none-${unique()}/favorite`, { as: fan }), 404);
  });
});

describe('comments', () => {
  test('when users comment, then each gets 200 and an integer id; the list is oldest first with following per reader', async () => {
    const author = await c.register();
    const reader = await c.register();
    const a = await c.article(author);
    const first = await c.request('POST', `/articles/${a.slug}/comments`, {
      as: reader,
      body: { comment: { body: 'His name was my name too.' } },
    });
    assert.equal(first.status, 200, first.text);
    assert.ok(Number.isInteger(first.body.comment.id));
    assert.match(first.body.comment.createdAt, ISO_MS);
    assert.equal(first.body.comment.body, 'His name was my name too.');
    assert.equal(first.body.comment.author.username, reader.username);
    const second = await c.request('POST', `/articles/${a.slug}/comments`, {
      as: author,
      body: { comment: { body: 'Thanks' } },
    });
    const list = await c.request('GET', `/articles/${a.slug}/comments`);
    assert.deepEqual(
      list.body.comments.map((x: { id: number }) => x.id),
      [first.body.comment.id, second.body.comment.id],
    );
    await c.request('POST', `/profiles/${author.username}/follow`, { as: reader });
    const seen = await c.request('GET', `/articles/${a.slug}/comments`, { as: reader });
    assert.deepEqual(
      seen.body.comments.map((x: { author: { following: boolean } }) => x.author.following),
      [false, true],
    );
  });

  test("when someone deletes another's comment, then 403; their own, then 200 and it is gone", async () => {
    const author = await c.register();
    const commenter = await c.register();
    const a = await c.article(author);
    const made = await c.request('POST', `/articles/${a.slug}/comments`, {
      as: commenter,
      body: { comment: { body: 'mine' } },
    });
    const id = made.body.comment.id as number;
    assertErrors(await c.request('DELETE', `/articles/${a.slug}/comments/${id}`, { as: author }), 403);
    assertErrors(await c.request('DELETE', `/articles/${a.slug}/comments/${id}`), 401);
    const other = await c.article(author);
    assertErrors(await c.request('DELETE', `/articles/${other.slug}/comments/${id}`, { as: commenter }), 404);
    assertErrors(await c.request('DELETE', `/articles/${a.slug}/comments/abc`, { as: commenter }), 422);
    assert.equal((await c.request('DELETE', `/articles/${a.slug}/comments/${id}`, { as: commenter })).status, 200);
    assertErrors(await c.request('DELETE', `/articles/${a.slug}/comments/${id}`, { as: commenter }), 404);
    assert.deepEqual((await c.request('GET', `/articles/${a.slug}/comments`)).body, { comments: [] });
  });

  test('when commenting without a token, with an empty body, or on an unknown article, then 401 / 422 / 404', async () => {
    const p = await c.register();
    const a = await c.article(p);
    assertErrors(await c.request('POST', `/articles/${a.slug}/comments`, { body: { comment: { body: 'x' } } }), 401);
    assertErrors(
      await c.request('POST', `/articles/${a.slug}/comments`, { as: p, body: { comment: { body: '' } } }),
      422,
    );
    assertErrors(
      await c.request('POST', `/articles/none-${unique()}/comments`, { as: p, body: { comment: { body: 'x' } } }),
      404,
    );
  });
});

describe('tags', () => {
  test('when articles carry tags, then /tags lists them (cached) and a new tag shows up after the write', async () => {
    const p = await c.register();
    const t1 = `t${unique()}`;
    await c.article(p, { tagList: [t1] });
    const first = await c.request('GET', '/tags');
    assert.equal(first.status, 200);
    assert.ok(first.body.tags.includes(t1));
    assert.equal((await c.request('GET', '/tags')).headers.get('x-cache'), 'hit');
    const t2 = `t${unique()}`;
    await c.article(p, { tagList: [t2] });
    assert.ok((await c.request('GET', '/tags')).body.tags.includes(t2));
  });
});

describe('CORS and the RealWorld error format', () => {
  test('when a browser preflights a write from another origin, then the method and headers are allowed', async () => {
    const res = await fetch(`${conduit.url}/api/articles`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:4200',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /Authorization/i);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /Content-Type/i);
    const get = await fetch(`${conduit.url}/api/tags`, { headers: { origin: 'http://localhost:4200' } });
    assert.equal(get.headers.get('access-control-allow-origin'), '*');
  });

  test('when an /api path does not exist, then 404 in the RealWorld format; elsewhere the platform problem+json', async () => {
    assertErrors(await c.request('GET', '/nothing-here'), 404);
    const outside = await fetch(`${conduit.url}/nothing-here`);
    assert.equal(outside.status, 404);
    assert.match(outside.headers.get('content-type') ?? '', /problem\+json/);
  });
});
