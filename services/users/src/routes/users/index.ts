// HTTP entry points for /users: schema + thin handlers.
import { Type } from '@sinclair/typebox';
import type { App } from '@shipshape/platform/service';
import { cachedPage, sendCached } from '@shipshape/platform/service';
import type { Cache } from '@shipshape/platform/cache';
import { conflict, notFound } from '@shipshape/platform/errors';
import { IdParams, Page, PageQuery } from '@shipshape/platform/schemas';
import { DuplicateEmail, type User, type UsersRepo } from '../../data/users-repo.ts';
import { CreateUser, UpdateUser, UserSchema } from '../../schemas.ts';

export interface UsersRoutesOptions {
  repo: UsersRepo;
  cache: Cache;
}

export default async function usersRoutes(app: App, { repo, cache }: UsersRoutesOptions) {
  const tags = ['users'];
  const duplicate = (email: string) =>
    conflict('duplicate-email', `a user with email ${email} already exists`, {
      errors: [{ field: 'body.email', message: 'is already registered' }],
    });

  app.post(
    '/users',
    { schema: { tags, summary: 'Create a user', body: CreateUser, response: { 201: UserSchema } } },
    async (request, reply) => {
      try {
        const user = await repo.create(request.body.name.trim(), request.body.email.trim());
        await cache.invalidate([], ['list']);
        reply.code(201).header('location', `/users/${user.id}`);
        return user;
      } catch (err) {
        if (err instanceof DuplicateEmail) throw duplicate(request.body.email);
        throw err;
      }
    },
  );

  app.get(
    '/users/:id',
    { schema: { tags, summary: 'Get a user (cached)', params: IdParams, response: { 200: UserSchema } } },
    async (request, reply) => {
      const found = await cache.read<User>(`user:${request.params.id}`, () => repo.get(request.params.id));
      if (!found) throw notFound('user', request.params.id);
      return sendCached(reply, found);
    },
  );

  app.get(
    '/users',
    {
      schema: {
        tags,
        summary: 'List users (cached), oldest first',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(UserSchema) },
      },
    },
    async (request, reply) => cachedPage(cache, reply, request.query, (limit, after) => repo.list(limit, after)),
  );

  app.patch(
    '/users/:id',
    { schema: { tags, summary: 'Update a user', params: IdParams, body: UpdateUser, response: { 200: UserSchema } } },
    async (request) => {
      try {
        const user = await repo.update(request.params.id, {
          name: request.body.name?.trim(),
          email: request.body.email?.trim(),
        });
        if (!user) throw notFound('user', request.params.id);
        await cache.invalidate([`user:${user.id}`], ['list']);
        return user;
      } catch (err) {
        if (err instanceof DuplicateEmail) throw duplicate(request.body.email ?? '');
        throw err;
      }
    },
  );

  app.delete(
    '/users/:id',
    { schema: { tags, summary: 'Delete a user', params: IdParams, response: { 204: Type.Null() } } },
    async (request, reply) => {
      if (!(await repo.delete(request.params.id))) throw notFound('user', request.params.id);
      await cache.invalidate([`user:${request.params.id}`], ['list']);
      return reply.code(204).send(null);
    },
  );
}
