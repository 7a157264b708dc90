import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { verifierOf } from './issuer-verifier.ts';
import { findTokens } from '../token.ts';
import { DevIssuer } from '../../dev/issuer.ts';

describe('acceptance tokens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acceptance-token-'));
  const issuerFile = join(dir, 'dev-issuer.json');
  const missingFile = join(dir, 'missing.json');

  test('when both tokens are given, then they win over the development issuer, for any host', async () => {
    const given = { ACCEPTANCE_ADMIN_TOKEN: 'a', ACCEPTANCE_USER_TOKEN: 'u' };
    assert.deepEqual(await findTokens('https://shop.example.com', given, missingFile), {
      admin: 'a',
      user: 'u',
      source: 'ACCEPTANCE_ADMIN_TOKEN and ACCEPTANCE_USER_TOKEN',
    });
    assert.equal(await findTokens('http://localhost:3000', { ACCEPTANCE_ADMIN_TOKEN: 'a' }, missingFile), undefined);
  });

  test('when nothing is given and the system is on this machine, then the npm start issuer mints tokens it accepts', async () => {
    const issuer = await DevIssuer.create();
    await issuer.listen();
    issuer.save(issuerFile);
    try {
      const found = await findTokens('http://127.0.0.1:3000', {}, issuerFile);
      assert.ok(found);
      assert.match(found.source, /npm start/);
      const verifier = verifierOf(issuer, 3600);
      assert.equal((await verifier.verify(found.admin)).isAdmin, true);
      assert.equal((await verifier.verify(found.user)).isAdmin, false);
    } finally {
      await issuer.close();
    }
  });

  test('when nothing is given and the system is remote or there is no development issuer, then there are none', async () => {
    assert.equal(await findTokens('https://shop.example.com', {}, issuerFile), undefined);
    assert.equal(await findTokens('http://localhost:3000', {}, missingFile), undefined);
  });

  test.after(() => rmSync(dir, { recursive: true, force: true }));
});
