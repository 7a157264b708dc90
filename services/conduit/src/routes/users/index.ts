// Registration, login and the current user (RealWorld "User and Authentication").
import type { App } from '@shipshape/platform/service';
import type { Accounts } from '../../domain/accounts.ts';
import { Taken } from '../../data/users-repo.ts';
import type { Articles } from '../../domain/articles.ts';
import { signedIn } from '../../plugins/auth.ts';
import { ApiError, notFound, unprocessable } from '../../plugins/realworld-errors.ts';
import { GenericError, LoginRequest, RegisterRequest, UpdateUserRequest, UserResponse } from '../../schemas.ts';

export interface UsersRoutesOptions {
  accounts: Accounts;
  articles: Articles;
}

const tags = ['User and Authentication'];
const errors = { 401: GenericError, 422: GenericError };

function takenAs422(err: unknown): never {
  if (err instanceof Taken) throw unprocessable(`${err.field} has already been taken`);
  throw err;
}

export default async function usersRoutes(app: App, { accounts, articles }: UsersRoutesOptions) {
  app.post(
    '/users',
    {
      config: { access: 'own' },
      schema: {
        tags,
        summary: 'Register a new user',
        operationId: 'CreateUser',
        body: RegisterRequest,
        response: { 201: UserResponse, 422: GenericError },
      },
    },
    async (request, reply) => {
      const user = await accounts.register(request.body.user).catch(takenAs422);
      return reply.code(201).send({ user });
    },
  );

  app.post(
    '/users/login',
    {
      config: { access: 'own' },
      schema: {
        tags,
        summary: 'Existing user login',
        operationId: 'Login',
        body: LoginRequest,
        response: { 200: UserResponse, ...errors },
      },
    },
    async (request) => {
      const user = await accounts.login(request.body.user.email, request.body.user.password);
      if (!user) throw new ApiError(401, ['email or password is invalid']);
      return { user };
    },
  );

  app.get(
    '/user',
    signedIn(app, {
      tags,
      summary: 'Get current user',
      operationId: 'GetCurrentUser',
      response: { 200: UserResponse, ...errors },
    }),
    async (request) => {
      const viewer = request.viewer as NonNullable<typeof request.viewer>;
      const user = await accounts.current(viewer.id, viewer.token);
      if (!user) throw notFound('user');
      return { user };
    },
  );

  app.put(
    '/user',
    signedIn(app, {
      tags,
      summary: 'Update current user',
      operationId: 'UpdateCurrentUser',
      body: UpdateUserRequest,
      response: { 200: UserResponse, ...errors },
    }),
    async (request) => {
      const viewer = request.viewer as NonNullable<typeof request.viewer>;
      const user = await accounts.update(viewer.id, viewer.token, request.body.user).catch(takenAs422);
      if (!user) throw notFound('user');
      // Articles show their author's username, bio and image.
      await articles.authorChanged();
      return { user };
    },
  );
}
