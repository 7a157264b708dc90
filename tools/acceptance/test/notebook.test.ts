// Executes the API notebook headless with the real `npm run notebook` command against the stub gateway: it must run
// clean against a system that follows the API and fail when a step's expectation does not hold.
import assert from 'node:assert/strict';
import { exec } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { verifierOf } from './issuer-verifier.ts';
import { DEV_ADMIN_SUB, DevIssuer } from '../../dev/issuer.ts';
import { startStubSystem, type Fault } from './stub-system.ts';

const issuer = await DevIssuer.create();
await issuer.listen();
after(() => issuer.close());
const verifier = verifierOf(issuer);

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NOTEBOOK = `${ROOT}notebooks/api-walkthrough.ipynb`;
const script = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts
  .notebook;

interface Cell {
  cell_type: string;
  source: string[];
  outputs?: unknown[];
  execution_count?: number | null;
}

async function runNotebook(faults: Fault[]): Promise<{ code: number; output: string; usersLeft: number }> {
  assert.ok(script, 'package.json has a "notebook" script');
  const tokens = {
    ACCEPTANCE_ADMIN_TOKEN: await issuer.mint({ sub: DEV_ADMIN_SUB, admin: true }),
    ACCEPTANCE_USER_TOKEN: await issuer.mint({ sub: randomUUID() }),
  };
  return startStubSystem(verifier, faults).then(
    (stub) =>
      new Promise((resolve) => {
        exec(
          script,
          { cwd: ROOT, env: { ...process.env, ...tokens, BASE_URL: stub.url }, timeout: 120_000 },
          (err, stdout, stderr) => {
            const usersLeft = stub.users.size;
            void stub
              .close()
              .then(() => resolve({ code: err ? Number(err.code ?? -1) : 0, output: stdout + stderr, usersLeft }));
          },
        );
      }),
  );
}

describe('API notebook', () => {
  test('when it is committed, then its cells carry no outputs and every step has a markdown explanation', () => {
    const cells = (JSON.parse(readFileSync(NOTEBOOK, 'utf8')) as { cells: Cell[] }).cells;
    const code = cells.filter((c) => c.cell_type === 'code');
    assert.ok(code.length >= 5);
    for (const cell of code) {
      assert.deepEqual(cell.outputs, []);
      assert.equal(cell.execution_count, null);
    }
    assert.ok(cells.filter((c) => c.cell_type === 'markdown').length >= code.length);
    assert.match(cells.map((c) => c.source.join('')).join('\n'), /os\.environ\.get\("BASE_URL"/);
  });

  test('when the system follows the API, then npm run notebook executes every cell and removes the user it made', async () => {
    const { code, output, usersLeft } = await runNotebook([]);
    assert.equal(code, 0, output);
    assert.equal(usersLeft, 1, 'only the seeded user is left');
  });

  test('when the second read is not a cache hit, then npm run notebook fails on that cell', async () => {
    const { code, output } = await runNotebook(['cache-never-hits']);
    assert.notEqual(code, 0);
    assert.match(output, /expected the second read to hit the cache/);
  });
});
