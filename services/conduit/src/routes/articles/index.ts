// Articles and favorites (RealWorld "Articles", "Favorites"). Lists and single articles are cached for everyone;
// a signed-in reader gets the cached document with their own `favorited` and `following` laid over it.
import type { FastifyRequest } from 'fastify';
import type { App } from '@shipshape/platform/service';
import { sendCached } from '@shipshape/platform/service';
import type { Articles } from '../../domain/articles.ts';
import type { StoredArticle } from '../../data/articles-repo.ts';
import { signedIn } from '../../plugins/auth.ts';
import { forbidden, notFound } from '../../plugins/realworld-errors.ts';
import {
  type Article,
  ArticleResponse,
  ArticlesResponse,
  type ArticlesPage,
  Empty,
  FeedQuery,
  GenericError,
  ListQuery,
  NewArticleRequest,
  SlugParams,
  UpdateArticleRequest,
} from '../../schemas.ts';

const tags = ['Articles'];
const errors = { 401: GenericError, 403: GenericError, 404: GenericError, 422: GenericError };

export default async function articlesRoutes(app: App, { articles }: { articles: Articles }) {
  const viewerId = (request: FastifyRequest) => (request.viewer as { id: string }).id;

  /** The article, or 404; with `ownerId`, also 403 unless that user wrote it. */
  const load = async (slug: string, ownerId?: string): Promise<StoredArticle> => {
    const found = await articles.find(slug);
    if (!found) throw notFound('article');
    if (ownerId !== undefined && found.authorId !== ownerId) throw forbidden('only the author may change this article');
    return found;
  };
  const gone = (article: Article | undefined) => {
    if (!article) throw notFound('article');
    return { article };
  };

  app.get(
    '/articles',
    {
      config: { access: 'own' },
      onRequest: app.optionalUser,
      schema: {
        tags,
        summary: 'List articles, most recent first (auth optional; cached)',
        description: 'Filter by `tag`, `author` or `favorited` (usernames).',
        operationId: 'GetArticles',
        querystring: ListQuery,
        response: { 200: ArticlesResponse, ...errors },
      },
    },
    async (request, reply) => {
      const found = await articles.cachedList(request.query);
      if (!request.viewer) return sendCached(reply, found);
      const page = JSON.parse(found.json) as ArticlesPage;
      reply.header('x-cache', found.hit ? 'hit' : 'miss');
      return { ...page, articles: await articles.forViewer(request.viewer.id, page.articles) };
    },
  );

  app.get(
    '/articles/feed',
    signedIn(app, {
      tags,
      summary: 'Recent articles by followed authors',
      operationId: 'GetArticlesFeed',
      querystring: FeedQuery,
      response: { 200: ArticlesResponse, ...errors },
    }),
    async (request) => articles.feed(viewerId(request), request.query.limit, request.query.offset),
  );

  app.get(
    '/articles/:slug',
    {
      config: { access: 'own' },
      onRequest: app.optionalUser,
      schema: {
        tags,
        summary: 'Get an article (auth optional; cached)',
        operationId: 'GetArticle',
        params: SlugParams,
        response: { 200: ArticleResponse, ...errors },
      },
    },
    async (request, reply) => {
      const found = await articles.cachedArticle(request.params.slug);
      if (!found) throw notFound('article');
      const article = JSON.parse(found.json) as Article;
      if (!request.viewer) return sendCached(reply, { ...found, json: `{"article":${found.json}}` });
      reply.header('x-cache', found.hit ? 'hit' : 'miss');
      const [mine] = await articles.forViewer(request.viewer.id, [article]);
      return { article: mine as Article };
    },
  );

  app.post(
    '/articles',
    signedIn(app, {
      tags,
      summary: 'Create an article',
      operationId: 'CreateArticle',
      body: NewArticleRequest,
      response: { 201: ArticleResponse, ...errors },
    }),
    async (request, reply) => {
      const article = await articles.create(viewerId(request), request.body.article);
      return reply.code(201).send({ article });
    },
  );

  app.put(
    '/articles/:slug',
    signedIn(app, {
      tags,
      summary: 'Update an article (its author only); a new title gives a new slug',
      operationId: 'UpdateArticle',
      params: SlugParams,
      body: UpdateArticleRequest,
      response: { 200: ArticleResponse, ...errors },
    }),
    async (request) =>
      gone(
        await articles.update(
          viewerId(request),
          await load(request.params.slug, viewerId(request)),
          request.body.article,
        ),
      ),
  );

  app.delete(
    '/articles/:slug',
    signedIn(app, {
      tags,
      summary: 'Delete an article (its author only)',
      operationId: 'DeleteArticle',
      params: SlugParams,
      response: { 200: Empty, ...errors },
    }),
    async (request) => {
      await articles.delete((await load(request.params.slug, viewerId(request))).id);
      return {};
    },
  );

  // Favoriting and unfavoriting: the same route but for the method, both idempotent.
  for (const [method, summary, operationId, change] of [
    ['POST', 'Favorite an article (idempotent)', 'CreateArticleFavorite', articles.favorite.bind(articles)],
    ['DELETE', 'Unfavorite an article (idempotent)', 'DeleteArticleFavorite', articles.unfavorite.bind(articles)],
  ] as const)
    app.route({
      method,
      url: '/articles/:slug/favorite',
      ...signedIn(app, {
        tags: ['Favorites'],
        summary,
        operationId,
        params: SlugParams,
        response: { 200: ArticleResponse, ...errors },
      }),
      handler: async (request) => gone(await change(viewerId(request), await load(request.params.slug))),
    });
}
