// Catalog writes need `Authorization: Bearer <JWT>`, HS256-signed with JWT_SECRET, carrying role "admin".
import fp from 'fastify-plugin';
import jwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Problem } from '@shipshape/platform/errors';

declare module 'fastify' {
  interface FastifyInstance {
    requireAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    user: { role?: unknown; sub?: unknown };
  }
}

const unauthorized = (detail: string) =>
  new Problem(401, 'unauthorized', 'Unauthorized', detail, {}, { 'www-authenticate': 'Bearer realm="shipshape"' });

export default fp<{ secret: string }>(
  async function adminAuth(app: FastifyInstance, opts: { secret: string }) {
    await app.register(jwt, { secret: opts.secret, verify: { algorithms: ['HS256'] } });
    app.decorate('requireAdmin', async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      if (!header) throw unauthorized('a bearer token is required');
      if (!/^Bearer\s+\S+$/i.test(header)) throw unauthorized('the Authorization header must be "Bearer <token>"');
      try {
        await request.jwtVerify();
      } catch {
        throw unauthorized('the token is invalid or expired');
      }
      if (request.user.role !== 'admin')
        throw new Problem(403, 'forbidden', 'Forbidden', 'the token does not carry role "admin"');
    });
  },
  { name: 'admin-auth', fastify: '5.x' },
);
