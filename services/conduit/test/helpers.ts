// Small factories for conduit tests: the conduit a test file runs against, people with tokens, articles, and calls
// with the RealWorld Token scheme.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { App } from '@shipshape/platform/service';
import { startConduit, uniqueNamespace } from '../../../test/support/apps.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { REDIS_URL } from '../../../test/support/env.ts';
import { call, type JsonResponse } from '../../../test/support/http.ts';

export interface Person {
  username: string;
  email: string;
  password: string;
  token: string;
}

export const unique = () => randomBytes(4).toString('hex');

/** `base` is read at each call, so the API can be taken before the conduit it calls has started. */
export function api(base: () => string) {
  const as = (who: Person | string | undefined): Record<string, string> =>
    who === undefined ? {} : { authorization: `Token ${typeof who === 'string' ? who : who.token}` };
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers of any shape
  const request = <T = any>(
    method: string,
    path: string,
    opts: { body?: unknown; as?: Person | string; headers?: Record<string, string> } = {},
  ): Promise<JsonResponse<T>> =>
    call<T>(`${base()}/api${path}`, { method, body: opts.body, headers: { ...as(opts.as), ...opts.headers } });

  const register = async (over: Partial<Omit<Person, 'token'>> = {}): Promise<Person> => {
    const id = unique();
    const who = { username: `user${id}`, email: `user${id}@example.com`, password: `pw-${id}`, ...over };
    const res = await request('POST', '/users', { body: { user: who } });
    assert.equal(res.status, 201, res.text);
    return { ...who, token: res.body.user.token };
  };

  const article = async (author: Person, over: Record<string, unknown> = {}) => {
    const res = await request('POST', '/articles', {
      as: author,
      body: { article: { title: `Title ${unique()}`, description: 'About it', body: 'The text', ...over } },
    });
    assert.equal(res.status, 201, res.text);
    return res.body.article;
  };

  return { request, register, article };
}

/**
 * A conduit on a database and cache namespace of the test file's own, started before its tests and closed (its
 * database dropped) after them. `db` and `url` are there once the before hook has run; `api` can be taken at once.
 */
export function conduitUnderTest(env: Record<string, string> = {}) {
  let running: { db: TestDatabase; app: App; url: string } | undefined;
  const started = () => {
    assert.ok(running, 'the conduit starts in the before hook');
    return running;
  };
  before(async () => {
    const db = await createTestDatabase();
    const { app, url } = await startConduit({
      DATABASE_URL: db.url,
      REDIS_URL,
      CACHE_NAMESPACE: uniqueNamespace(),
      ...env,
    });
    running = { db, app, url };
  });
  after(async () => {
    await started().app.close();
    await started().db.drop();
  });
  return {
    get db() {
      return started().db;
    },
    get url() {
      return started().url;
    },
    api: api(() => started().url),
  };
}

/** The RealWorld error body: `{"errors": {"body": [...]}}` with at least one message. */
export function assertErrors(res: JsonResponse, status: number) {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.ok(Array.isArray(res.body?.errors?.body), res.text);
  assert.ok(res.body.errors.body.length > 0 && res.body.errors.body.every((m: unknown) => typeof m === 'string'));
}

export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
