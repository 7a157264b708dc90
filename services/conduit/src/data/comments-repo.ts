// SQL for comments. Nothing HTTP here.
import type { Database } from '@shipshape/platform/db';
import type { Comment } from '../schemas.ts';

interface CommentRow {
  id: string;
  author_id: string;
  body: string;
  created_at: Date;
  updated_at: Date;
  username: string;
  bio: string | null;
  image: string | null;
}

export interface StoredComment {
  authorId: string;
  comment: Comment;
}

const COLUMNS = 'c.id, c.author_id, c.body, c.created_at, c.updated_at, u.username, u.bio, u.image';
const toStored = (r: CommentRow): StoredComment => ({
  authorId: r.author_id,
  comment: {
    id: Number(r.id),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    body: r.body,
    author: { username: r.username, bio: r.bio, image: r.image, following: false },
  },
});

export class CommentsRepo {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  /** Oldest first, the order a conversation is read in. */
  async list(articleId: string): Promise<StoredComment[]> {
    const res = await this.db.query<CommentRow>(
      'conduit_comments_list',
      `SELECT ${COLUMNS} FROM conduit.comments c JOIN conduit.users u ON u.id = c.author_id
       WHERE c.article_id = $1 ORDER BY c.id`,
      [articleId],
    );
    return res.rows.map(toStored);
  }

  /** Undefined when the article was deleted meanwhile. */
  async create(articleId: string, authorId: string, body: string): Promise<StoredComment | undefined> {
    try {
      const res = await this.db.query<CommentRow>(
        'conduit_comment_insert',
        `WITH c AS (INSERT INTO conduit.comments (article_id, author_id, body) VALUES ($1, $2, $3) RETURNING *)
         SELECT ${COLUMNS} FROM c JOIN conduit.users u ON u.id = c.author_id`,
        [articleId, authorId, body],
      );
      return res.rows[0] ? toStored(res.rows[0]) : undefined;
    } catch (err) {
      if ((err as { code?: string }).code === '23503') return undefined;
      throw err;
    }
  }

  /** The comment's author, when comment `id` belongs to article `articleId`. */
  async authorOf(articleId: string, id: number): Promise<string | undefined> {
    const res = await this.db.query<{ author_id: string }>(
      'conduit_comment_author',
      'SELECT author_id FROM conduit.comments WHERE id = $1 AND article_id = $2',
      [id, articleId],
    );
    return res.rows[0]?.author_id;
  }

  async delete(id: number): Promise<void> {
    await this.db.query('conduit_comment_delete', 'DELETE FROM conduit.comments WHERE id = $1', [id]);
  }
}
