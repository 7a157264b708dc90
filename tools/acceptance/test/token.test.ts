import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { findAdminToken, signToken } from '../token.ts';

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
const verifies = (token: string, secret: string) => {
  const [header, payload, signature] = token.split('.');
  return createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url') === signature;
};

describe('admin token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acceptance-token-'));
  const devSecretFile = pathToFileURL(join(dir, 'dev-jwt-secret'));
  writeFileSync(devSecretFile, 'the-development-secret-0123456789\n');
  const missingFile = pathToFileURL(join(dir, 'missing'));

  test('when signing, then the token is HS256 over the claims with a short expiry', () => {
    const token = signToken('s3cret-s3cret-s3cret', { sub: 'acceptance', role: 'admin' }, 300, 1_700_000_000_000);
    assert.deepEqual(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()), {
      alg: 'HS256',
      typ: 'JWT',
    });
    assert.deepEqual(claimsOf(token), { sub: 'acceptance', role: 'admin', iat: 1_700_000_000, exp: 1_700_000_300 });
    assert.ok(verifies(token, 's3cret-s3cret-s3cret'));
    assert.ok(!verifies(token, 'another-secret'));
  });

  test('when ACCEPTANCE_ADMIN_TOKEN is set, then it wins over JWT_SECRET and the development secret', () => {
    const found = findAdminToken(
      'http://localhost:3000',
      { ACCEPTANCE_ADMIN_TOKEN: 'given', JWT_SECRET: 'x'.repeat(20) },
      devSecretFile,
    );
    assert.deepEqual(found, { token: 'given', source: 'ACCEPTANCE_ADMIN_TOKEN' });
  });

  test('when only JWT_SECRET is set, then the token is signed with it for any host', () => {
    const found = findAdminToken('https://shop.example.com', { JWT_SECRET: 'y'.repeat(20) }, devSecretFile);
    assert.ok(found && verifies(found.token, 'y'.repeat(20)));
    assert.equal(claimsOf(found.token).role, 'admin');
  });

  test('when nothing is set and the system is on this machine, then the npm start development secret signs it', () => {
    const found = findAdminToken('http://127.0.0.1:3000', {}, devSecretFile);
    assert.ok(found && verifies(found.token, 'the-development-secret-0123456789'));
    assert.match(found.source, /npm start/);
  });

  test('when nothing is set and the system is remote or there is no development secret, then there is no token', () => {
    assert.equal(findAdminToken('https://shop.example.com', {}, devSecretFile), undefined);
    assert.equal(findAdminToken('http://localhost:3000', {}, missingFile), undefined);
  });

  test.after(() => rmSync(dir, { recursive: true, force: true }));
});
