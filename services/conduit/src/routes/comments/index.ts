// Comments on an article (RealWorld "Comments"): anyone reads, signed-in users write, authors delete their own.
import type { App } from '@shipshape/platform/service';
import type { Articles } from '../../domain/articles.ts';
import type { CommentsRepo } from '../../data/comments-repo.ts';
import { signedIn } from '../../plugins/auth.ts';
import { forbidden, notFound } from '../../plugins/realworld-errors.ts';
import {
  CommentParams,
  CommentResponse,
  CommentsResponse,
  Empty,
  GenericError,
  NewCommentRequest,
  SlugParams,
} from '../../schemas.ts';

const tags = ['Comments'];
const errors = { 401: GenericError, 403: GenericError, 404: GenericError, 422: GenericError };

export interface CommentsRoutesOptions {
  articles: Articles;
  comments: CommentsRepo;
}

export default async function commentsRoutes(app: App, { articles, comments }: CommentsRoutesOptions) {
  const article = async (slug: string) => {
    const found = await articles.find(slug);
    if (!found) throw notFound('article');
    return found;
  };

  app.get(
    '/articles/:slug/comments',
    {
      config: { access: 'own' },
      onRequest: app.optionalUser,
      schema: {
        tags,
        summary: 'Comments on an article, oldest first (auth optional)',
        operationId: 'GetArticleComments',
        params: SlugParams,
        response: { 200: CommentsResponse, ...errors },
      },
    },
    async (request) => {
      const list = (await comments.list((await article(request.params.slug)).id)).map((c) => c.comment);
      const viewer = request.viewer;
      if (!viewer || list.length === 0) return { comments: list };
      const flags = await articles.following(viewer.id, [...new Set(list.map((c) => c.author.username))]);
      return {
        comments: list.map((c) => ({ ...c, author: { ...c.author, following: flags.has(c.author.username) } })),
      };
    },
  );

  app.post(
    '/articles/:slug/comments',
    signedIn(app, {
      tags,
      summary: 'Comment on an article',
      operationId: 'CreateArticleComment',
      params: SlugParams,
      body: NewCommentRequest,
      response: { 200: CommentResponse, ...errors },
    }),
    async (request) => {
      const viewerId = (request.viewer as { id: string }).id;
      const created = await comments.create(
        (await article(request.params.slug)).id,
        viewerId,
        request.body.comment.body,
      );
      if (!created) throw notFound('article');
      return { comment: created.comment };
    },
  );

  app.delete(
    '/articles/:slug/comments/:id',
    signedIn(app, {
      tags,
      summary: 'Delete a comment (its author only)',
      operationId: 'DeleteArticleComment',
      params: CommentParams,
      response: { 200: Empty, ...errors },
    }),
    async (request) => {
      const author = await comments.authorOf((await article(request.params.slug)).id, request.params.id);
      if (!author) throw notFound('comment');
      if (author !== (request.viewer as { id: string }).id) throw forbidden('only the author may delete this comment');
      await comments.delete(request.params.id);
      return {};
    },
  );
}
