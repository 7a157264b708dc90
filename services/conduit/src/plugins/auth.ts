// `Authorization: Token <jwt>` as the RealWorld specification says (`Bearer` is accepted too).
// requireUser: 401 without a valid token. optionalUser: anonymous without a header, 401 with a bad one.
// signedIn: a route's options for signed-in users only.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import type { Tokens } from '../domain/tokens.ts';
import { unauthorized } from './realworld-errors.ts';

export interface Viewer {
  id: string;
  token: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer | undefined;
  }
  interface FastifyInstance {
    requireUser: (request: FastifyRequest) => Promise<void>;
    optionalUser: (request: FastifyRequest) => Promise<void>;
  }
}

const SCHEME = /^(?:Token|Bearer)\s+(\S+)\s*$/i;
const security = [{ Token: [] }];

/** Options of a route for signed-in users only: the token check and the scheme its document names, kept together. */
export const signedIn = <S extends FastifySchema>(app: Pick<FastifyInstance, 'requireUser'>, schema: S) => ({
  config: { access: 'own' as const },
  onRequest: app.requireUser,
  schema: { ...schema, security },
});

export default fp<{ tokens: Tokens }>(
  async function conduitAuth(app: FastifyInstance, { tokens }: { tokens: Tokens }) {
    app.decorateRequest('viewer', undefined);
    const identify = async (request: FastifyRequest, required: boolean) => {
      const header = request.headers.authorization;
      if (!header) {
        if (required) throw unauthorized('missing authorization credentials');
        return;
      }
      const token = SCHEME.exec(header)?.[1];
      if (!token) throw unauthorized('the Authorization header must be "Token <jwt>"');
      const id = await tokens.verify(token);
      if (!id) throw unauthorized('the token is invalid or expired');
      request.viewer = { id, token };
    };
    app.decorate('requireUser', (request: FastifyRequest) => identify(request, true));
    app.decorate('optionalUser', (request: FastifyRequest) => identify(request, false));
  },
  { name: 'conduit-auth', fastify: '5.x' },
);
