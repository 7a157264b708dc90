// The RealWorld API end to end through the gateway: a browser-style client on another origin registers, writes,
// reads, favorites and comments, with CORS preflights, against real PostgreSQL and Redis.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startConduit, startGateway, uniqueNamespace } from '../support/apps.ts';
import { call } from '../support/http.ts';
import { REDIS_URL } from '../support/env.ts';
import type { App } from '@shipshape/platform/service';

const ORIGIN = 'http://localhost:4200';
let db: TestDatabase;
const apps: App[] = [];
let gateway: string;

before(async () => {
  db = await createTestDatabase({ seed: true });
  const c = await startConduit({ DATABASE_URL: db.url, REDIS_URL, CACHE_NAMESPACE: uniqueNamespace() });
  const g = await startGateway({ CONDUIT_URL: c.url, REDIS_URL, CACHE_NAMESPACE: uniqueNamespace() });
  apps.push(c.app, g.app);
  gateway = g.url;
});
after(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await db.drop();
});

/** What a browser does before a cross-origin call with a token or a JSON body. */
async function preflight(path: string, method: string) {
  const res = await fetch(`${gateway}/api${path}`, {
    method: 'OPTIONS',
    headers: {
      origin: ORIGIN,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization,content-type',
    },
  });
  assert.ok(res.status === 204 || res.status === 200, `preflight ${method} ${path} → ${res.status}`);
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.match(res.headers.get('access-control-allow-methods') ?? '', new RegExp(method));
  assert.match(res.headers.get('access-control-allow-headers') ?? '', /authorization/i);
}

const api = (path: string, init: { method?: string; body?: unknown; token?: string } = {}) =>
  call(`${gateway}/api${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    body: init.body,
    headers: { origin: ORIGIN, ...(init.token ? { authorization: `Token ${init.token}` } : {}) },
  });

test('when a frontend on another origin uses the RealWorld API through the gateway, then every step works as specified', async () => {
  await preflight('/users', 'POST');
  const registered = await api('/users', {
    body: { user: { username: 'browser', email: 'browser@example.com', password: 'secret-pw' } },
  });
  assert.equal(registered.status, 201, registered.text);
  assert.equal(registered.headers.get('access-control-allow-origin'), '*');
  const token = registered.body.user.token as string;

  const seeded = await api('/users/login', { body: { user: { email: 'jake@example.com', password: 'jakejake' } } });
  assert.equal(seeded.status, 200, 'the seeded account logs in');

  await preflight('/articles', 'POST');
  const created = await api('/articles', {
    token,
    body: { article: { title: 'From the browser', description: 'd', body: 'b', tagList: ['web', 'api'] } },
  });
  assert.equal(created.status, 201, created.text);
  assert.deepEqual(created.body.article.tagList, ['api', 'web']);
  const slug = created.body.article.slug as string;

  const list = await api('/articles?limit=20');
  assert.equal(list.status, 200);
  assert.equal(list.body.articles[0].slug, slug, 'most recent first');
  assert.equal(list.body.articlesCount, 5, 'four seeded articles and this one');
  assert.equal(typeof list.body.articles[0].body, 'string');

  await preflight(`/articles/${slug}/favorite`, 'POST');
  const jake = seeded.body.user.token as string;
  const favorited = await api(`/articles/${slug}/favorite`, { method: 'POST', token: jake });
  assert.equal(favorited.body.article.favoritesCount, 1);
  assert.equal(favorited.body.article.favorited, true);

  const comment = await api(`/articles/${slug}/comments`, { token: jake, body: { comment: { body: 'Nice' } } });
  assert.equal(comment.status, 200);
  await preflight(`/articles/${slug}/comments/${comment.body.comment.id}`, 'DELETE');
  const notYours = await api(`/articles/${slug}/comments/${comment.body.comment.id}`, { method: 'DELETE', token });
  assert.equal(notYours.status, 403);
  assert.ok(Array.isArray(notYours.body.errors.body));

  await preflight(`/articles/${slug}`, 'PUT');
  const updated = await api(`/articles/${slug}`, { method: 'PUT', token, body: { article: { title: 'Renamed' } } });
  assert.equal(updated.body.article.slug, 'renamed');

  const feed = await api('/articles/feed', { token: jake });
  assert.equal(feed.status, 200);
  assert.equal((await api('/tags')).body.tags.includes('web'), true);
});

test('when a RealWorld call has no token, a Token the gateway has never seen, or a bad body, then conduit answers, not the gateway', async () => {
  const anonymous = await api('/user');
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get('www-authenticate'), 'Token');
  assert.deepEqual(Object.keys(anonymous.body), ['errors']);
  const forged = await api('/user', { token: 'not.a.jwt' });
  assert.equal(forged.status, 401);
  const invalid = await api('/articles', { body: { article: {} }, token: 'x.y.z' });
  assert.equal(invalid.status, 401, 'authentication comes before validation');
  const notJson = await call(`${gateway}/api/users`, {
    method: 'POST',
    raw: '{"user":',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(notJson.status, 422, 'a body that is not JSON is invalid input, whoever finds out');
  assert.ok(Array.isArray(notJson.body.errors.body));
  const unknownRoute = await api('/nope');
  assert.equal(unknownRoute.status, 404);
  assert.match(unknownRoute.headers.get('content-type') ?? '', /^application\/json/);
  assert.ok(Array.isArray(unknownRoute.body.errors.body));
});

test('when the combined /docs is read, then it documents the RealWorld API with its Token scheme', async () => {
  const doc = (await call(`${gateway}/docs/json`)).body as {
    paths: Record<string, Record<string, unknown>>;
    components: { securitySchemes: Record<string, unknown> };
  };
  assert.ok(doc.paths['/api/articles']?.get && doc.paths['/api/users/login']?.post);
  assert.ok(doc.components.securitySchemes.Token);
  assert.equal(doc.paths['/api/health'], undefined);
});
