// SQL for the users schema. Nothing HTTP here.
import { randomUUID } from 'node:crypto';
import { isUniqueViolation, type Database } from '@shipshape/platform/db';
import type { KeysetPosition } from '@shipshape/platform/schemas';

import type { User } from '../schemas.ts';

export type { User };

interface Row {
  id: string;
  name: string;
  email: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, email, created_at, updated_at';
const toUser = (r: Row): User => ({
  id: r.id,
  name: r.name,
  email: r.email,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export class DuplicateEmail extends Error {}
/** The token subject already has a record. */
export class DuplicateId extends Error {}

export class UsersRepo {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  async create(name: string, email: string, id: string = randomUUID()): Promise<User> {
    try {
      const res = await this.db.query<Row>(
        'users_insert',
        `INSERT INTO users.users (id, name, email) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
        [id.toLowerCase(), name, email],
      );
      return toUser(res.rows[0] as Row);
    } catch (err) {
      if (isUniqueViolation(err) && String((err as { constraint?: string }).constraint).endsWith('_pkey'))
        throw new DuplicateId(id);
      if (isUniqueViolation(err)) throw new DuplicateEmail(email);
      throw err;
    }
  }

  async get(id: string): Promise<User | undefined> {
    const res = await this.db.query<Row>('users_get', `SELECT ${COLUMNS} FROM users.users WHERE id = $1`, [id]);
    return res.rows[0] ? toUser(res.rows[0]) : undefined;
  }

  /** Oldest first; returns one extra row to know whether a next page exists. */
  async list(limit: number, after: KeysetPosition | undefined): Promise<User[]> {
    const res = after
      ? await this.db.query<Row>(
          'users_list',
          `SELECT ${COLUMNS} FROM users.users WHERE (created_at, id) > ($1::timestamptz, $2::uuid) ORDER BY created_at, id LIMIT $3`,
          [after.createdAt, after.id, limit + 1],
        )
      : await this.db.query<Row>('users_list', `SELECT ${COLUMNS} FROM users.users ORDER BY created_at, id LIMIT $1`, [
          limit + 1,
        ]);
    return res.rows.map(toUser);
  }

  async update(
    id: string,
    patch: { name?: string | undefined; email?: string | undefined },
  ): Promise<User | undefined> {
    try {
      const res = await this.db.query<Row>(
        'users_update',
        `UPDATE users.users SET name = COALESCE($2, name), email = COALESCE($3, email), updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, patch.name ?? null, patch.email ?? null],
      );
      return res.rows[0] ? toUser(res.rows[0]) : undefined;
    } catch (err) {
      if (isUniqueViolation(err)) throw new DuplicateEmail(patch.email ?? '');
      throw err;
    }
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.db.query('users_delete', 'DELETE FROM users.users WHERE id = $1', [id]);
    return (res.rowCount ?? 0) > 0;
  }
}
