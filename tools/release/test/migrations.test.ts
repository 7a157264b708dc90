import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkMigrations, contractions } from '../migrations.ts';

const rulesOf = (sql: string) => contractions('x.sql', `-- Up Migration\n${sql}`).map((f) => f.rule);

describe('expand-only migrations', () => {
  test('when the migrations added since the last release are scanned, then none contracts the schema', () => {
    const r = checkMigrations();
    assert.ok(r.files.length > 0 || r.since !== undefined, 'without a release tag every migration is scanned');
    assert.deepEqual(r.findings, []);
  });

  test('when a migration only adds, then it passes', () => {
    assert.deepEqual(
      rulesOf(`CREATE TABLE s.t (id uuid PRIMARY KEY);
        ALTER TABLE s.t ADD COLUMN note text;
        ALTER TABLE s.t ADD COLUMN n integer NOT NULL DEFAULT 0;
        CREATE INDEX CONCURRENTLY t_note_idx ON s.t (note);
        ALTER TYPE s.status ADD VALUE 'shipped';
        DROP INDEX IF EXISTS s.old_idx;`),
      [],
    );
  });

  test('when a CHECK (x IN (...)) is dropped and added again with every value its Down part restores, then it is an expansion', () => {
    const widen = (up: string, down: string) =>
      contractions(
        'x.sql',
        [
          '-- Up Migration',
          'ALTER TABLE s.t DROP CONSTRAINT t_status_check;',
          `ALTER TABLE s.t ADD CONSTRAINT t_status_check CHECK (status IN (${up}));`,
          '-- Down Migration',
          'ALTER TABLE s.t DROP CONSTRAINT t_status_check;',
          `ALTER TABLE s.t ADD CONSTRAINT t_status_check CHECK (status IN (${down}));`,
        ].join('\n'),
      ).map((f) => f.rule);
    assert.deepEqual(widen(`'a', 'b', 'c'`, `'a', 'b'`), []);
    assert.deepEqual(widen(`'a'`, `'a', 'b'`), ['drop'], 'narrowing the values is a contraction');
    assert.deepEqual(
      rulesOf('ALTER TABLE s.t DROP CONSTRAINT t_status_check'),
      ['drop'],
      'dropped without a wider one',
    );
  });

  test('when a migration drops, renames, retypes or tightens, then each is found', () => {
    assert.deepEqual(rulesOf('DROP TABLE s.t'), ['drop']);
    assert.deepEqual(rulesOf('ALTER TABLE s.t DROP COLUMN note'), ['drop']);
    assert.deepEqual(rulesOf('alter table s.t drop note'), ['drop-implicit-column']);
    assert.deepEqual(rulesOf('ALTER TABLE s.t RENAME COLUMN a TO b'), ['rename']);
    assert.deepEqual(rulesOf('ALTER TABLE s.t ALTER COLUMN a TYPE bigint'), ['change-type']);
    assert.deepEqual(rulesOf("ALTER TYPE s.status RENAME VALUE 'a' TO 'b'"), ['rename']);
    assert.deepEqual(rulesOf('ALTER TABLE s.t ALTER COLUMN a SET NOT NULL'), ['set-not-null']);
    assert.deepEqual(rulesOf('ALTER TABLE s.t ADD COLUMN b text NOT NULL'), ['add-required-column']);
    assert.deepEqual(rulesOf('TRUNCATE s.t'), ['truncate']);
  });

  test('when the statement is only in a comment or in the Down part, then it is ignored', () => {
    assert.deepEqual(rulesOf('-- DROP TABLE s.t\n/* RENAME */ SELECT 1'), []);
    assert.deepEqual(rulesOf('CREATE TABLE s.t (id int);\n-- Down Migration\nDROP TABLE s.t;'), []);
  });

  test('when a migration says it contracts what the previous release no longer uses, then it is let through', () => {
    assert.deepEqual(rulesOf('-- contract: release/41 stopped reading note\nALTER TABLE s.t DROP COLUMN note'), []);
  });
});
