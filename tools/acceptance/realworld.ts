// The RealWorld (Conduit) part of the acceptance suite: the /api a RealWorld frontend uses, through the gateway,
// with its own error format, the `Token` scheme and CORS for a browser on another origin. It registers a fresh
// account each run (the RealWorld API has no way to delete one) and deletes the article it writes.
import { randomUUID } from 'node:crypto';
import type { Client, Reply } from './client.ts';
import {
  arrayField,
  ensure,
  expectEqual,
  expectStatus,
  fail,
  integerField,
  isRecord,
  jsonObject,
  stringField,
} from './expect.ts';
import type { Runner } from './runner.ts';

const ORIGIN = 'https://conduit.example';

/** The RealWorld error body: `{"errors": {"body": [...]}}` as JSON, with the given status. */
export function expectRealWorldError(reply: Reply, status: number): void {
  expectStatus(reply, status);
  const type = reply.headers.get('content-type') ?? '';
  ensure(type.startsWith('application/json'), `expected Content-Type application/json, got "${type}"`);
  const errors = jsonObject(reply).errors;
  ensure(
    isRecord(errors) && Array.isArray(errors.body) && errors.body.length > 0,
    `expected {"errors": {"body": [...]}}, got ${reply.text.slice(0, 200)}`,
  );
}

export async function runRealWorld({ client, runner }: { client: Client; runner: Runner }): Promise<void> {
  const check = runner.check.bind(runner);
  const call = (method: string, path: string, o: { body?: unknown; token?: string } = {}) =>
    client.call(method, `/api${path}`, {
      ...(o.body === undefined ? {} : { body: o.body }),
      headers: { origin: ORIGIN, ...(o.token ? { authorization: `Token ${o.token}` } : {}) },
    });
  const ok = (reply: Reply, status = 200) => {
    expectStatus(reply, status);
    return jsonObject(reply);
  };

  await check('RealWorld: a browser on another origin may call /api (CORS preflight)', [], async () => {
    const reply = await client.call('OPTIONS', '/api/articles', {
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    ensure(reply.status === 204 || reply.status === 200, `expected 204 or 200, got ${reply.status}`);
    const allowed = reply.headers.get('access-control-allow-origin');
    ensure(allowed === '*' || allowed === ORIGIN, `expected Access-Control-Allow-Origin, got "${allowed}"`);
    ensure(
      /authorization/i.test(reply.headers.get('access-control-allow-headers') ?? ''),
      'expected Authorization among the allowed headers',
    );
  });

  const tag = randomUUID().slice(0, 8);
  const account = { username: `acceptance-${tag}`, email: `acceptance-${tag}@example.com`, password: `pw-${tag}` };
  const token = await check('RealWorld: POST /api/users registers and answers a token', [], async () => {
    const user = ok(await call('POST', '/users', { body: { user: account } }), 201).user;
    if (!isRecord(user)) fail('expected a "user" object');
    expectEqual(user.username, account.username, 'the username');
    return stringField(user, 'token');
  });
  await check('RealWorld: POST /api/users/login answers a token', [token], async () => {
    const user = ok(await call('POST', '/users/login', { body: { user: account } })).user;
    ensure(isRecord(user) && typeof user.token === 'string', 'expected a user with a token');
  });
  await check('RealWorld: GET /api/user needs `Token`: 401 in the RealWorld format without it', [token], async () => {
    expectRealWorldError(await call('GET', '/user'), 401);
    const user = ok(await call('GET', '/user', { token: token! })).user;
    ensure(isRecord(user) && user.email === account.email, 'expected the signed-in user');
  });
  await check('RealWorld: an unknown /api route is 404 in the RealWorld format', [], async () =>
    expectRealWorldError(await call('GET', `/no-such-route-${tag}`), 404),
  );

  const slug = await check(
    'RealWorld: POST /api/articles creates an article with a slug and sorted tags',
    [token],
    async () => {
      const article = ok(
        await call('POST', '/articles', {
          token: token!,
          body: { article: { title: `Acceptance ${tag}`, description: 'd', body: 'b', tagList: ['zeta', 'alpha'] } },
        }),
        201,
      ).article;
      if (!isRecord(article)) fail('expected an "article" object');
      expectEqual(JSON.stringify(article.tagList), '["alpha","zeta"]', 'the tagList');
      return stringField(article, 'slug');
    },
  );
  await check('RealWorld: GET /api/articles?author= lists it, with body, with articlesCount', [slug], async () => {
    const page = ok(await call('GET', `/articles?author=${encodeURIComponent(account.username)}`));
    const articles = arrayField(page, 'articles');
    expectEqual(integerField(page, 'articlesCount'), 1, 'articlesCount');
    const first = articles[0];
    ensure(isRecord(first) && first.slug === slug, 'expected the new article');
    ensure(isRecord(first) && typeof first.body === 'string', 'expected list entries with "body"');
  });
  await check('RealWorld: GET /api/articles/:slug returns it with its body', [slug], async () => {
    const article = ok(await call('GET', `/articles/${slug!}`)).article;
    ensure(isRecord(article) && article.body === 'b', 'expected the article body');
  });
  await check('RealWorld: favoriting counts once', [slug], async () => {
    for (let i = 0; i < 2; i++) {
      const article = ok(await call('POST', `/articles/${slug!}/favorite`, { token: token! })).article;
      ensure(isRecord(article) && article.favorited === true && article.favoritesCount === 1, 'expected 1 favorite');
    }
  });
  await check('RealWorld: a comment is added and listed', [slug], async () => {
    const comment = ok(
      await call('POST', `/articles/${slug!}/comments`, { token: token!, body: { comment: { body: 'c' } } }),
    ).comment;
    ensure(isRecord(comment) && Number.isInteger(comment.id), 'expected a comment with an integer id');
    const comments = arrayField(ok(await call('GET', `/articles/${slug!}/comments`)), 'comments');
    expectEqual(comments.length, 1, 'the number of comments');
  });
  await check(
    'RealWorld: DELETE /api/articles/:slug deletes it; then 404 in the RealWorld format',
    [slug],
    async () => {
      expectStatus(await call('DELETE', `/articles/${slug!}`, { token: token! }), 200);
      expectRealWorldError(await call('GET', `/articles/${slug!}`), 404);
    },
  );
}
