// Profiles, follow and unfollow (RealWorld "Profile").
import type { App } from '@shipshape/platform/service';
import type { UsersRepo } from '../../data/users-repo.ts';
import { signedIn } from '../../plugins/auth.ts';
import { notFound, unprocessable } from '../../plugins/realworld-errors.ts';
import { GenericError, ProfileResponse, UsernameParams } from '../../schemas.ts';

const tags = ['Profile'];
const responses = { 200: ProfileResponse, 401: GenericError, 404: GenericError, 422: GenericError };

export default async function profilesRoutes(app: App, { users }: { users: UsersRepo }) {
  app.get(
    '/profiles/:username',
    {
      config: { access: 'own' },
      onRequest: app.optionalUser,
      schema: {
        tags,
        summary: 'Get a profile (auth optional)',
        operationId: 'GetProfileByUsername',
        params: UsernameParams,
        response: responses,
      },
    },
    async (request) => {
      const found = await users.profile(request.params.username, request.viewer?.id);
      if (!found) throw notFound('profile');
      const { id: _id, ...profile } = found;
      return { profile };
    },
  );

  // Following and unfollowing: the same route but for the method, both idempotent.
  for (const [method, summary, operationId, following] of [
    ['POST', 'Follow a user', 'FollowUserByUsername', true],
    ['DELETE', 'Unfollow a user', 'UnfollowUserByUsername', false],
  ] as const)
    app.route({
      method,
      url: '/profiles/:username/follow',
      ...signedIn(app, {
        tags,
        summary,
        operationId,
        params: UsernameParams,
        response: responses,
      }),
      handler: async (request) => {
        const viewerId = (request.viewer as { id: string }).id;
        const target = await users.profile(request.params.username, viewerId);
        if (!target) throw notFound('profile');
        if (target.id === viewerId) throw unprocessable('you cannot follow yourself');
        if (following) await users.follow(viewerId, target.id);
        else await users.unfollow(viewerId, target.id);
        const { id: _id, ...profile } = target;
        return { profile: { ...profile, following } };
      },
    });
}
