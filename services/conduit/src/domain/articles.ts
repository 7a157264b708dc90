// Article use cases: unique slugs under concurrency, cached reads with the viewer's own flags laid over them,
// and cache invalidation on every write that changes what a list or an article shows.
import type { Cache, CachedRead } from '@shipshape/platform/cache';
import { type ArticlesRepo, SlugTaken, type StoredArticle } from '../data/articles-repo.ts';
import type { Article, ArticlePatch, ArticlesPage, ListFilters, NewArticle } from '../schemas.ts';
import { normaliseTags, slugify, withSuffix } from './slug.ts';

/** Lists, single articles and tags all carry this generation in their cache keys; a write bumps it. */
const ARTICLES = 'articles';
const TAGS = 'tags';
const SLUG_ATTEMPTS = 8;

export class Articles {
  private readonly repo: ArticlesRepo;
  private readonly cache: Cache;
  constructor(repo: ArticlesRepo, cache: Cache) {
    this.repo = repo;
    this.cache = cache;
  }

  /** The list as anyone sees it, as cached JSON (sent as stored to anonymous readers). */
  async cachedList(f: ListFilters) {
    const gen = await this.cache.generation(ARTICLES);
    const key = `list:${gen}:${f.limit}:${f.offset}:${encodeURIComponent(f.tag ?? '')}:${encodeURIComponent(f.author ?? '')}:${encodeURIComponent(f.favorited ?? '')}`;
    return (await this.cache.read(key, () => this.repo.list(f))) as CachedRead;
  }

  async cachedArticle(slug: string) {
    const gen = await this.cache.generation(ARTICLES);
    return this.cache.read(`article:${gen}:${slug}`, async () => (await this.repo.bySlug(slug))?.article);
  }

  async cachedTags() {
    const gen = await this.cache.generation(TAGS);
    return (await this.cache.read(`tags:${gen}`, async () => ({ tags: await this.repo.tags() }))) as CachedRead;
  }

  /** Sets `favorited` and `author.following` for a signed-in viewer. */
  async forViewer<T extends Article>(viewerId: string | undefined, articles: T[]): Promise<T[]> {
    if (!viewerId || articles.length === 0) return articles;
    const flags = await this.repo.viewerFlags(
      viewerId,
      articles.map((a) => a.slug),
      [...new Set(articles.map((a) => a.author.username))],
    );
    return articles.map((a) => ({
      ...a,
      favorited: flags.favorited.has(a.slug),
      author: { ...a.author, following: flags.following.has(a.author.username) },
    }));
  }

  /** Which of these usernames the viewer follows. */
  async following(viewerId: string, usernames: string[]): Promise<Set<string>> {
    return (await this.repo.viewerFlags(viewerId, [], usernames)).following;
  }

  async feed(viewerId: string, limit: number, offset: number): Promise<ArticlesPage> {
    const page = await this.repo.feed(viewerId, limit, offset);
    return { articles: await this.forViewer(viewerId, page.articles), articlesCount: page.articlesCount };
  }

  find(slug: string): Promise<StoredArticle | undefined> {
    return this.repo.bySlug(slug);
  }

  async view(viewerId: string | undefined, slug: string): Promise<Article | undefined> {
    const stored = await this.repo.bySlug(slug);
    if (!stored) return undefined;
    const [article] = await this.forViewer(viewerId, [stored.article]);
    return article;
  }

  /** Creates under the title's slug, or the slug plus a random suffix when taken (also by a concurrent create). */
  async create(authorId: string, input: NewArticle): Promise<Article> {
    const base = slugify(input.title);
    const fields = { ...input, tagList: normaliseTags(input.tagList ?? []) };
    for (let attempt = 0; attempt < SLUG_ATTEMPTS; attempt += 1) {
      const slug = attempt === 0 ? base : withSuffix(base);
      try {
        await this.repo.insert(authorId, slug, fields);
        await this.invalidate(true);
        return (await this.view(authorId, slug)) as Article;
      } catch (err) {
        if (!(err instanceof SlugTaken)) throw err;
      }
    }
    throw new Error(`no free slug for "${base}" after ${SLUG_ATTEMPTS} attempts`);
  }

  /** Applies the patch; a new title means a new slug. Undefined when the article was deleted meanwhile. */
  async update(viewerId: string, current: StoredArticle, patch: ArticlePatch): Promise<Article | undefined> {
    const fields = {
      title: patch.title,
      description: patch.description,
      body: patch.body,
      tagList: patch.tagList === undefined ? undefined : normaliseTags(patch.tagList),
    };
    const base = patch.title === undefined ? undefined : slugify(patch.title);
    // Same title words: the slug stays (also when it carries a suffix from a clash).
    const keepSlug =
      base === undefined ||
      base === current.article.slug ||
      new RegExp(`^${base}-[0-9a-f]{10}$`).test(current.article.slug);
    for (let attempt = 0; attempt < SLUG_ATTEMPTS; attempt += 1) {
      const slug = keepSlug ? undefined : attempt === 0 ? base : withSuffix(base as string);
      try {
        if (!(await this.repo.update(current.id, { ...fields, ...(slug ? { slug } : {}) }))) return undefined;
        await this.invalidate(fields.tagList !== undefined);
        return this.view(viewerId, slug ?? current.article.slug);
      } catch (err) {
        if (!(err instanceof SlugTaken)) throw err;
      }
    }
    throw new Error(`no free slug for "${base}" after ${SLUG_ATTEMPTS} attempts`);
  }

  async delete(id: string): Promise<void> {
    await this.repo.delete(id);
    await this.invalidate(true);
  }

  /** Undefined when the article was deleted meanwhile. */
  async favorite(viewerId: string, current: StoredArticle): Promise<Article | undefined> {
    if (!(await this.repo.favorite(viewerId, current.id))) return undefined;
    await this.invalidate(false);
    return this.view(viewerId, current.article.slug);
  }

  async unfavorite(viewerId: string, current: StoredArticle): Promise<Article | undefined> {
    await this.repo.unfavorite(viewerId, current.id);
    await this.invalidate(false);
    return this.view(viewerId, current.article.slug);
  }

  /** What an author's profile change (username, bio, image) means for cached articles. */
  authorChanged(): Promise<void> {
    return this.invalidate(false);
  }

  private invalidate(tags: boolean): Promise<void> {
    return this.cache.invalidate([], tags ? [ARTICLES, TAGS] : [ARTICLES]);
  }
}
