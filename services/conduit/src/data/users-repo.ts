// SQL for accounts, profiles and follows. Nothing HTTP here.
import type { Database } from '@shipshape/platform/db';
import type { Profile } from '../schemas.ts';

export interface UserRecord {
  id: string;
  username: string;
  email: string;
  passwordHash: string;
  bio: string | null;
  image: string | null;
}

interface UserRow {
  id: string;
  username: string;
  email: string;
  password_hash: string;
  bio: string | null;
  image: string | null;
}

const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  username: r.username,
  email: r.email,
  passwordHash: r.password_hash,
  bio: r.bio,
  image: r.image,
});

/** A username or email someone else already has. */
export class Taken extends Error {
  readonly field: 'username' | 'email';
  constructor(field: 'username' | 'email') {
    super(`${field} has already been taken`);
    this.field = field;
  }
}

function takenFrom(err: unknown): Taken | undefined {
  const e = err as { code?: string; constraint?: string };
  if (e.code !== '23505') return undefined;
  return new Taken(e.constraint === 'users_email_key' ? 'email' : 'username');
}

const COLUMNS = 'id, username, email, password_hash, bio, image';

export class UsersRepo {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  async create(u: { username: string; email: string; passwordHash: string }): Promise<UserRecord> {
    try {
      const res = await this.db.query<UserRow>(
        'conduit_user_insert',
        `INSERT INTO conduit.users (username, email, password_hash) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
        [u.username, u.email, u.passwordHash],
      );
      return toUser(res.rows[0] as UserRow);
    } catch (err) {
      throw takenFrom(err) ?? err;
    }
  }

  async byEmail(email: string): Promise<UserRecord | undefined> {
    const res = await this.db.query<UserRow>(
      'conduit_user_by_email',
      `SELECT ${COLUMNS} FROM conduit.users WHERE lower(email) = lower($1)`,
      [email],
    );
    return res.rows[0] ? toUser(res.rows[0]) : undefined;
  }

  async byId(id: string): Promise<UserRecord | undefined> {
    const res = await this.db.query<UserRow>(
      'conduit_user_by_id',
      `SELECT ${COLUMNS} FROM conduit.users WHERE id = $1`,
      [id],
    );
    return res.rows[0] ? toUser(res.rows[0]) : undefined;
  }

  async update(
    id: string,
    patch: { username?: string; email?: string; passwordHash?: string; bio?: string | null; image?: string | null },
  ): Promise<UserRecord | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    const columns = {
      username: patch.username,
      email: patch.email,
      password_hash: patch.passwordHash,
      bio: patch.bio,
      image: patch.image,
    };
    for (const [column, value] of Object.entries(columns)) {
      if (value === undefined) continue;
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    }
    if (sets.length === 0) return this.byId(id);
    try {
      const res = await this.db.query<UserRow>(
        'conduit_user_update',
        `UPDATE conduit.users SET ${sets.join(', ')}, updated_at = date_trunc('milliseconds', now())
         WHERE id = $1 RETURNING ${COLUMNS}`,
        params,
      );
      return res.rows[0] ? toUser(res.rows[0]) : undefined;
    } catch (err) {
      throw takenFrom(err) ?? err;
    }
  }

  /** A profile as `viewerId` sees it (following or not); undefined when nobody has that username. */
  async profile(username: string, viewerId: string | undefined): Promise<(Profile & { id: string }) | undefined> {
    const res = await this.db.query<{
      id: string;
      username: string;
      bio: string | null;
      image: string | null;
      following: boolean;
    }>(
      'conduit_profile',
      `SELECT u.id, u.username, u.bio, u.image,
              EXISTS (SELECT 1 FROM conduit.follows f WHERE f.follower_id = $2 AND f.followee_id = u.id) AS following
       FROM conduit.users u WHERE lower(u.username) = lower($1)`,
      [username, viewerId ?? null],
    );
    return res.rows[0];
  }

  /** Follows, idempotently. False when the user to follow does not exist. */
  async follow(followerId: string, followeeId: string): Promise<void> {
    await this.db.query(
      'conduit_follow',
      'INSERT INTO conduit.follows (follower_id, followee_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [followerId, followeeId],
    );
  }

  async unfollow(followerId: string, followeeId: string): Promise<void> {
    await this.db.query('conduit_unfollow', 'DELETE FROM conduit.follows WHERE follower_id = $1 AND followee_id = $2', [
      followerId,
      followeeId,
    ]);
  }
}
