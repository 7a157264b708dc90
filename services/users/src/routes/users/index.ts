// HTTP entry points for /users: schema + thin handlers.
import { Type } from '@sinclair/typebox';
import type { App } from '@shipshape/platform/service';
import { cachedPage, replyCached } from '@shipshape/platform/service';
import type { FastifyRequest } from 'fastify';
import type { Cache } from '@shipshape/platform/cache';
import { conflict, notFound, unprocessable } from '@shipshape/platform/errors';
import { mayActFor } from '@shipshape/platform/auth';
import { IdParams, Page, PageQuery } from '@shipshape/platform/schemas';
import { UserCheckRequest, UserCheckResult, usersPaths } from '@shipshape/platform/contracts/users';
import { DuplicateEmail, DuplicateId, type User, type UsersRepo } from '../../data/users-repo.ts';
import { CreateUser, UpdateUser, UserSchema } from '../../schemas.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

  const security = [{ bearerAuth: [] }];
  // Someone else's record answers 404, exactly as a missing one: nobody learns which ids exist.
  const ownOr404 = (request: FastifyRequest, id: string) => {
    if (!mayActFor(request, id)) throw notFound('user', id);
  };

  app.post(
    '/users',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Sign up: anyone; with a user token the record takes the token subject as its id',
        body: CreateUser,
        response: { 201: UserSchema },
      },
    },
    async (request, reply) => {
      // A signed-in user (e.g. fresh from Cognito) creates the record that belongs to their subject; admins and
      // anonymous callers create a record with a new id.
      const caller = request.caller;
      const id = caller && !caller.isAdmin ? caller.sub : undefined;
      if (id !== undefined && !UUID.test(id))
        throw unprocessable('subject-not-uuid', 'the token subject is not a UUID, so it cannot name a user record');
      try {
        const user = await repo.create(request.body.name.trim(), request.body.email.trim(), id);
        await cache.invalidate([], ['list']);
        reply.code(201).header('location', `/users/${user.id}`);
        return user;
      } catch (err) {
        if (err instanceof DuplicateEmail) throw duplicate(request.body.email);
        if (err instanceof DuplicateId)
          throw conflict('user-exists', `the token subject already has a user record (/users/${id})`);
        throw err;
      }
    },
  );

  app.get(
    '/users/:id',
    {
      config: { access: 'user', services: ['orders'] },
      schema: {
        tags,
        security,
        summary: 'Get a user (cached): yourself, or anyone as admin',
        params: IdParams,
        response: { 200: UserSchema },
      },
    },
    (request, reply) => {
      ownOr404(request, request.params.id);
      return replyCached(
        cache,
        reply,
        `user:${request.params.id}`,
        () => repo.get(request.params.id),
        () => notFound('user', request.params.id),
      );
    },
  );

  app.post(
    usersPaths.existing,
    {
      config: { access: 'service', services: ['orders'] },
      schema: {
        tags: ['internal'],
        summary: 'Which of these users exist (orders checks the users of many orders in one call)',
        body: UserCheckRequest,
        response: { 200: UserCheckResult },
      },
    },
    async (request) => {
      // Read as GET /users/:id reads (the cache, kept current by every write), so both answer alike.
      const { ids } = request.body;
      const found = await Promise.all(ids.map((id) => cache.read<User>(`user:${id}`, () => repo.get(id))));
      return { existing: ids.filter((_, i) => found[i] !== undefined) };
    },
  );

  app.get(
    '/users',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security,
        summary: 'List users (cached), oldest first (admin)',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(UserSchema) },
      },
    },
    async (request, reply) => cachedPage(cache, reply, request.query, (limit, after) => repo.list(limit, after)),
  );

  app.patch(
    '/users/:id',
    {
      config: { access: 'user' },
      schema: {
        tags,
        security,
        summary: 'Update a user: yourself, or anyone as admin',
        params: IdParams,
        body: UpdateUser,
        response: { 200: UserSchema },
      },
    },
    async (request) => {
      ownOr404(request, request.params.id);
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
    {
      config: { access: 'user' },
      schema: {
        tags,
        security,
        summary: 'Delete a user: yourself, or anyone as admin',
        params: IdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      ownOr404(request, request.params.id);
      if (!(await repo.delete(request.params.id))) throw notFound('user', request.params.id);
      await cache.invalidate([`user:${request.params.id}`], ['list']);
      return reply.code(204).send(null);
    },
  );
}
