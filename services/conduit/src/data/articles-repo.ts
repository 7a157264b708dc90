// SQL for articles, favorites and tags. Nothing HTTP here. Rows come back as the viewer-independent RealWorld
// shapes (favorited and following false); ViewerFlags adds what one signed-in user sees.
import type pg from 'pg';
import { Rollback, type Database } from '@shipshape/platform/db';
import type { Article, ArticlesPage, ListFilters } from '../schemas.ts';

interface ArticleRow {
  id: string;
  author_id: string;
  slug: string;
  title: string;
  description: string;
  body: string;
  tag_list: string[];
  favorites_count: number;
  created_at: Date;
  updated_at: Date;
  username: string;
  bio: string | null;
  image: string | null;
}

export interface StoredArticle {
  id: string;
  authorId: string;
  article: Article;
}

const ARTICLE_COLUMNS = `a.id, a.author_id, a.slug, a.title, a.description, a.body, a.tag_list, a.favorites_count,
  a.created_at, a.updated_at, u.username, u.bio, u.image`;
const FROM = 'conduit.articles a JOIN conduit.users u ON u.id = a.author_id';

function toArticle(r: ArticleRow): Article {
  return {
    slug: r.slug,
    title: r.title,
    description: r.description,
    body: r.body,
    tagList: r.tag_list,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    favorited: false,
    favoritesCount: r.favorites_count,
    author: { username: r.username, bio: r.bio, image: r.image, following: false },
  };
}

const toStored = (r: ArticleRow): StoredArticle => ({
  id: r.id,
  authorId: r.author_id,
  article: toArticle(r),
});

/** Another article already has this slug. */
export class SlugTaken extends Error {}

export interface ViewerFlags {
  /** Slugs of the given articles the viewer favorited. */
  favorited: Set<string>;
  /** Usernames of the given authors the viewer follows. */
  following: Set<string>;
}

export class ArticlesRepo {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  /** Most recent first, filtered by tag, author and/or who favorited, with the count of all matches. */
  async list(f: ListFilters): Promise<ArticlesPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.tag !== undefined) {
      params.push(f.tag);
      where.push(`a.tag_list @> ARRAY[$${params.length}]::text[]`);
    }
    if (f.author !== undefined) {
      params.push(f.author);
      where.push(`lower(u.username) = lower($${params.length})`);
    }
    if (f.favorited !== undefined) {
      params.push(f.favorited);
      where.push(`EXISTS (SELECT 1 FROM conduit.favorites fa JOIN conduit.users fu ON fu.id = fa.user_id
                  WHERE fa.article_id = a.id AND lower(fu.username) = lower($${params.length}))`);
    }
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    return this.page('conduit_articles_list', filter, params, f.limit, f.offset);
  }

  /** Articles by the authors `viewerId` follows, most recent first. */
  feed(viewerId: string, limit: number, offset: number): Promise<ArticlesPage> {
    return this.page(
      'conduit_articles_feed',
      'WHERE a.author_id IN (SELECT followee_id FROM conduit.follows WHERE follower_id = $1)',
      [viewerId],
      limit,
      offset,
    );
  }

  private async page(
    operation: string,
    filter: string,
    params: unknown[],
    limit: number,
    offset: number,
  ): Promise<ArticlesPage> {
    const [rows, count] = await Promise.all([
      this.db.query<ArticleRow>(
        operation,
        `SELECT ${ARTICLE_COLUMNS} FROM ${FROM} ${filter}
         ORDER BY a.created_at DESC, a.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, limit, offset],
      ),
      this.db.query<{ n: number }>(`${operation}_count`, `SELECT count(*)::int AS n FROM ${FROM} ${filter}`, params),
    ]);
    return { articles: rows.rows.map(toArticle), articlesCount: count.rows[0]?.n ?? 0 };
  }

  async bySlug(slug: string): Promise<StoredArticle | undefined> {
    const res = await this.db.query<ArticleRow>(
      'conduit_article_by_slug',
      `SELECT ${ARTICLE_COLUMNS} FROM ${FROM} WHERE a.slug = $1`,
      [slug],
    );
    return res.rows[0] ? toStored(res.rows[0]) : undefined;
  }

  /** Which of these articles the viewer favorited and which of these authors the viewer follows. */
  async viewerFlags(viewerId: string, slugs: string[], usernames: string[]): Promise<ViewerFlags> {
    if (slugs.length === 0 && usernames.length === 0) return { favorited: new Set(), following: new Set() };
    const res = await this.db.query<{ favorited: string[]; following: string[] }>(
      'conduit_viewer_flags',
      `SELECT
         ARRAY(SELECT a.slug FROM conduit.favorites f JOIN conduit.articles a ON a.id = f.article_id
               WHERE f.user_id = $1 AND a.slug = ANY($2::text[])) AS favorited,
         ARRAY(SELECT u.username FROM conduit.follows fo JOIN conduit.users u ON u.id = fo.followee_id
               WHERE fo.follower_id = $1 AND u.username = ANY($3::text[])) AS following`,
      [viewerId, slugs, usernames],
    );
    const row = res.rows[0];
    return { favorited: new Set(row?.favorited ?? []), following: new Set(row?.following ?? []) };
  }

  /** Inserts under `slug`; SlugTaken when another article has it (the caller picks another). */
  async insert(
    authorId: string,
    slug: string,
    a: { title: string; description: string; body: string; tagList: string[] },
  ): Promise<string> {
    const res = await this.db.query<{ id: string }>(
      'conduit_article_insert',
      `INSERT INTO conduit.articles (slug, title, description, body, tag_list, author_id)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (slug) DO NOTHING RETURNING id`,
      [slug, a.title, a.description, a.body, a.tagList, authorId],
    );
    if (!res.rows[0]) throw new SlugTaken();
    return res.rows[0].id;
  }

  /** Updates the given fields; SlugTaken when the new slug is someone else's. False when the article is gone. */
  async update(
    id: string,
    patch: { slug?: string; title?: string; description?: string; body?: string; tagList?: string[] },
  ): Promise<boolean> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    const columns = {
      slug: patch.slug,
      title: patch.title,
      description: patch.description,
      body: patch.body,
      tag_list: patch.tagList,
    };
    for (const [column, value] of Object.entries(columns)) {
      if (value === undefined) continue;
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    }
    try {
      const res = await this.db.query(
        'conduit_article_update',
        `UPDATE conduit.articles SET ${[...sets, "updated_at = date_trunc('milliseconds', now())"].join(', ')}
         WHERE id = $1`,
        params,
      );
      return (res.rowCount ?? 0) > 0;
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new SlugTaken();
      throw err;
    }
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.db.query('conduit_article_delete', 'DELETE FROM conduit.articles WHERE id = $1', [id]);
    return (res.rowCount ?? 0) > 0;
  }

  /**
   * Favorites once per user: the row insert and the counter move together in one transaction, and the counter's
   * row lock serialises concurrent favorites, so N users favoriting at once leave exactly N.
   * False when the article no longer exists.
   */
  favorite(userId: string, articleId: string): Promise<boolean> {
    return this.db.tx('conduit_favorite', async (client: pg.PoolClient) => {
      try {
        const added = await client.query(
          'INSERT INTO conduit.favorites (user_id, article_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
          [userId, articleId],
        );
        if ((added.rowCount ?? 0) > 0)
          await client.query('UPDATE conduit.articles SET favorites_count = favorites_count + 1 WHERE id = $1', [
            articleId,
          ]);
        return true;
      } catch (err) {
        if ((err as { code?: string }).code === '23503') throw new Rollback(false);
        throw err;
      }
    });
  }

  unfavorite(userId: string, articleId: string): Promise<void> {
    return this.db.tx('conduit_unfavorite', async (client: pg.PoolClient) => {
      const removed = await client.query('DELETE FROM conduit.favorites WHERE user_id = $1 AND article_id = $2', [
        userId,
        articleId,
      ]);
      if ((removed.rowCount ?? 0) > 0)
        await client.query('UPDATE conduit.articles SET favorites_count = favorites_count - 1 WHERE id = $1', [
          articleId,
        ]);
    });
  }

  /** Every tag in use, most used first. */
  async tags(): Promise<string[]> {
    const res = await this.db.query<{ tag: string }>(
      'conduit_tags',
      `SELECT tag FROM (SELECT unnest(tag_list) AS tag FROM conduit.articles) t
       GROUP BY tag ORDER BY count(*) DESC, tag`,
    );
    return res.rows.map((r) => r.tag);
  }
}
