// Tags in use (RealWorld "Tags"), cached; any article write that touches tags invalidates them.
import type { App } from '@shipshape/platform/service';
import { sendCached } from '@shipshape/platform/service';
import type { Articles } from '../../domain/articles.ts';
import { GenericError, TagsResponse } from '../../schemas.ts';

export default async function tagsRoutes(app: App, { articles }: { articles: Articles }) {
  app.get(
    '/tags',
    {
      config: { access: 'own' },
      schema: {
        tags: ['Tags'],
        summary: 'Tags in use, most used first (cached)',
        operationId: 'GetTags',
        response: { 200: TagsResponse, 422: GenericError },
      },
    },
    async (_request, reply) => sendCached(reply, await articles.cachedTags()),
  );
}
