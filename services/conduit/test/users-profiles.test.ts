// Registration, login, the current user, profiles and follows, through the API against real PostgreSQL and Redis.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { call } from '../../../test/support/http.ts';
import { CONDUIT_JWT_SECRET } from '../../../test/support/env.ts';
import { assertErrors, conduitUnderTest, unique } from './helpers.ts';

const conduit = conduitUnderTest();
const c = conduit.api;

describe('registration and login', () => {
  test('when someone registers, then 201 with the RealWorld user, a working token, and an argon2id hash stored', async () => {
    const id = unique();
    const res = await c.request('POST', '/users', {
      body: { user: { username: `Jacob${id}`, email: `jake${id}@jake.jake`, password: 'jakejake' } },
    });
    assert.equal(res.status, 201, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json; charset=utf-8/);
    assert.deepEqual(Object.keys(res.body.user).sort(), ['bio', 'email', 'image', 'token', 'username']);
    assert.equal(res.body.user.username, `Jacob${id}`);
    assert.equal(res.body.user.bio, null);
    assert.equal(res.body.user.image, null);
    const me = await c.request('GET', '/user', { as: res.body.user.token });
    assert.equal(me.status, 200);
    assert.equal(me.body.user.email, `jake${id}@jake.jake`);
    const stored = await conduit.db.query<{ password_hash: string }>(
      'SELECT password_hash FROM conduit.users WHERE username = $1',
      [`Jacob${id}`],
    );
    assert.match(stored.rows[0]?.password_hash ?? '', /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  test('when the email or username is taken (in any case), then 422 with a RealWorld error and nothing stored', async () => {
    const p = await c.register();
    const before = await conduit.db.query('SELECT count(*)::int AS n FROM conduit.users');
    const sameEmail = await c.request('POST', '/users', {
      body: { user: { username: `other${unique()}`, email: p.email.toUpperCase(), password: 'x' } },
    });
    assertErrors(sameEmail, 422);
    assert.deepEqual(sameEmail.body.errors.body, ['email has already been taken']);
    const sameName = await c.request('POST', '/users', {
      body: { user: { username: p.username.toUpperCase(), email: `${unique()}@example.com`, password: 'x' } },
    });
    assertErrors(sameName, 422);
    assert.deepEqual(sameName.body.errors.body, ['username has already been taken']);
    assert.deepEqual((await conduit.db.query('SELECT count(*)::int AS n FROM conduit.users')).rows, before.rows);
  });

  test('when fields are missing, malformed or the body is not JSON, then 422 naming the problem', async () => {
    const missing = await c.request('POST', '/users', { body: { user: { username: 'x', password: 'y' } } });
    assertErrors(missing, 422);
    assert.ok(missing.body.errors.body.includes("user.email can't be blank"), missing.text);
    assertErrors(
      await c.request('POST', '/users', { body: { user: { username: '', email: 'a@b', password: 'p' } } }),
      422,
    );
    assertErrors(
      await c.request('POST', '/users', { body: { user: { username: 'n', email: 'no-at', password: 'p' } } }),
      422,
    );
    assertErrors(await c.request('POST', '/users', { body: {} }), 422);
    const notJson = await call(`${conduit.url}/api/users`, {
      method: 'POST',
      raw: '{"user":',
      headers: { 'content-type': 'application/json' },
    });
    assertErrors(notJson, 422);
  });

  test('when a value carries a control character (PostgreSQL refuses NUL), then 422, never 500', async () => {
    assertErrors(
      await c.request('POST', '/users', { body: { user: { username: 'nul\u0000', email: 'n@x.io', password: 'p' } } }),
      422,
    );
    assertErrors(await c.request('GET', '/articles?tag=%00'), 422);
  });

  test('when logging in with the right password, then 200 and a token; wrong password or unknown email, then 401', async () => {
    const p = await c.register();
    const ok = await c.request('POST', '/users/login', {
      body: { user: { email: p.email.toUpperCase(), password: p.password } },
    });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.user.username, p.username);
    assert.equal((await c.request('GET', '/user', { as: ok.body.user.token })).status, 200);
    const wrong = await c.request('POST', '/users/login', { body: { user: { email: p.email, password: 'nope' } } });
    assertErrors(wrong, 401);
    const unknown = await c.request('POST', '/users/login', {
      body: { user: { email: `${unique()}@nowhere.example`, password: p.password } },
    });
    assertErrors(unknown, 401);
    assert.deepEqual(unknown.body, wrong.body, 'an unknown email and a wrong password look the same');
  });
});

describe('the current user', () => {
  test('when there is no token, a malformed header, a forged or expired token, then 401 with WWW-Authenticate: Token', async () => {
    const p = await c.register();
    const forged = `${p.token.slice(0, p.token.lastIndexOf('.'))}.c2lnbmF0dXJl`;
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('1')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(CONDUIT_JWT_SECRET));
    for (const headers of [
      {} as Record<string, string>,
      { authorization: p.token },
      { authorization: `Basic ${p.token}` },
      { authorization: `Token ${forged}` },
      { authorization: `Token ${expired}` },
    ]) {
      const res = await c.request('GET', '/user', { headers });
      assertErrors(res, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Token');
    }
  });

  test('when the header says Token (or Bearer), then the user comes back with the same token', async () => {
    const p = await c.register();
    const res = await c.request('GET', '/user', { as: p });
    assert.equal(res.status, 200);
    assert.equal(res.body.user.token, p.token);
    assert.equal((await c.request('GET', '/user', { headers: { authorization: `Bearer ${p.token}` } })).status, 200);
  });

  test('when the user changes email, bio, image and password, then reads and logins follow', async () => {
    const p = await c.register();
    const email = `new${unique()}@example.com`;
    const res = await c.request('PUT', '/user', {
      as: p,
      body: {
        user: {
          email,
          bio: 'I like to skateboard',
          image: 'https://i.stack.imgur.com/xHWG8.jpg',
          password: 'changed-pw',
        },
      },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.user.email, email);
    assert.equal(res.body.user.bio, 'I like to skateboard');
    assert.equal(res.body.user.image, 'https://i.stack.imgur.com/xHWG8.jpg');
    assert.equal((await c.request('GET', '/user', { as: p })).body.user.email, email);
    assertErrors(await c.request('POST', '/users/login', { body: { user: { email, password: p.password } } }), 401);
    assert.equal(
      (await c.request('POST', '/users/login', { body: { user: { email, password: 'changed-pw' } } })).status,
      200,
    );
    const cleared = await c.request('PUT', '/user', { as: p, body: { user: { image: null } } });
    assert.equal(cleared.body.user.image, null);
  });

  test('when the update is empty, takes a used username, or has no token, then 422 / 422 / 401', async () => {
    const p = await c.register();
    const q = await c.register();
    assertErrors(await c.request('PUT', '/user', { as: p, body: { user: {} } }), 422);
    const clash = await c.request('PUT', '/user', { as: p, body: { user: { username: q.username } } });
    assertErrors(clash, 422);
    assert.deepEqual(clash.body.errors.body, ['username has already been taken']);
    assertErrors(await c.request('PUT', '/user', { body: { user: { bio: 'x' } } }), 401);
  });
});

describe('profiles and follows', () => {
  test('when a profile is read anonymously, then following is false; unknown usernames get 404', async () => {
    const p = await c.register();
    const res = await c.request('GET', `/profiles/${p.username}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { profile: { username: p.username, bio: null, image: null, following: false } });
    assertErrors(await c.request('GET', `/profiles/nobody${unique()}`), 404);
  });

  test('when someone follows and unfollows, then the profile says so to them only, and the row comes and goes', async () => {
    const fan = await c.register();
    const star = await c.register();
    const followed = await c.request('POST', `/profiles/${star.username}/follow`, { as: fan });
    assert.equal(followed.status, 200, followed.text);
    assert.equal(followed.body.profile.following, true);
    assert.equal(
      (await c.request('POST', `/profiles/${star.username}/follow`, { as: fan })).body.profile.following,
      true,
    );
    assert.equal((await c.request('GET', `/profiles/${star.username}`, { as: fan })).body.profile.following, true);
    assert.equal((await c.request('GET', `/profiles/${star.username}`)).body.profile.following, false);
    const rows = () =>
      conduit.db.query(
        `SELECT 1 FROM conduit.follows f JOIN conduit.users a ON a.id = f.follower_id JOIN conduit.users b ON b.id = f.followee_id
         WHERE a.username = $1 AND b.username = $2`,
        [fan.username, star.username],
      );
    assert.equal((await rows()).rowCount, 1, 'following twice stores one row');
    const unfollowed = await c.request('DELETE', `/profiles/${star.username}/follow`, { as: fan });
    assert.equal(unfollowed.status, 200);
    assert.equal(unfollowed.body.profile.following, false);
    assert.equal((await rows()).rowCount, 0);
  });

  test('when following without a token, an unknown user, or oneself, then 401 / 404 / 422', async () => {
    const p = await c.register();
    assertErrors(await c.request('POST', `/profiles/${p.username}/follow`), 401);
    assertErrors(await c.request('DELETE', `/profiles/${p.username}/follow`), 401);
    assertErrors(await c.request('POST', `/profiles/nobody${unique()}/follow`, { as: p }), 404);
    assertErrors(await c.request('POST', `/profiles/${p.username}/follow`, { as: p }), 422);
  });
});
