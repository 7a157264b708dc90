// The public API, route by route: the one list the proxy registers and the combined docs are filtered by.
// Anything not listed here (every /internal/* endpoint, health, metrics, docs of the services) is not reachable.
// Each route says who may call it; the gateway checks the token before forwarding, and the service checks again.
import type { Access } from '@shipshape/platform/auth';

export type Target = 'users' | 'products' | 'orders' | 'conduit';

export interface PublicRoute {
  target: Target;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fastify route template; `:id` segments are UUIDs, except under /api (RealWorld: integer comment ids). */
  url: string;
  /** Who may call it (the owning service decides which records are the caller's). */
  access: Access;
}

export const TARGETS: readonly Target[] = ['users', 'products', 'orders', 'conduit'];

/** The RealWorld API (conduit) lives under /api: its own error format, its own Token scheme, CORS. */
export { REALWORLD_PREFIX, isRealWorldPath } from '@shipshape/platform/realworld-errors';

export const PUBLIC_ROUTES: readonly PublicRoute[] = [
  { target: 'users', method: 'POST', url: '/users', access: 'public' },
  { target: 'users', method: 'GET', url: '/users', access: 'admin' },
  { target: 'users', method: 'GET', url: '/users/:id', access: 'user' },
  { target: 'users', method: 'PATCH', url: '/users/:id', access: 'user' },
  { target: 'users', method: 'DELETE', url: '/users/:id', access: 'user' },
  { target: 'products', method: 'GET', url: '/products', access: 'public' },
  { target: 'products', method: 'POST', url: '/products', access: 'admin' },
  { target: 'products', method: 'GET', url: '/products/:id', access: 'public' },
  { target: 'products', method: 'PATCH', url: '/products/:id', access: 'admin' },
  { target: 'products', method: 'DELETE', url: '/products/:id', access: 'admin' },
  { target: 'orders', method: 'POST', url: '/orders', access: 'user' },
  { target: 'orders', method: 'GET', url: '/orders', access: 'user' },
  { target: 'orders', method: 'GET', url: '/orders/:id', access: 'user' },
  { target: 'orders', method: 'POST', url: '/orders/:id/cancel', access: 'user' },
  // RealWorld (conduit): every endpoint of the specification, nothing else (no health, metrics or docs); conduit authenticates them itself (its `Token` scheme).
  { target: 'conduit', method: 'POST', url: '/api/users', access: 'own' },
  { target: 'conduit', method: 'POST', url: '/api/users/login', access: 'own' },
  { target: 'conduit', method: 'GET', url: '/api/user', access: 'own' },
  { target: 'conduit', method: 'PUT', url: '/api/user', access: 'own' },
  { target: 'conduit', method: 'GET', url: '/api/profiles/:username', access: 'own' },
  { target: 'conduit', method: 'POST', url: '/api/profiles/:username/follow', access: 'own' },
  { target: 'conduit', method: 'DELETE', url: '/api/profiles/:username/follow', access: 'own' },
  { target: 'conduit', method: 'GET', url: '/api/articles', access: 'own' },
  { target: 'conduit', method: 'POST', url: '/api/articles', access: 'own' },
  { target: 'conduit', method: 'GET', url: '/api/articles/feed', access: 'own' },
  { target: 'conduit', method: 'GET', url: '/api/articles/:slug', access: 'own' },
  { target: 'conduit', method: 'PUT', url: '/api/articles/:slug', access: 'own' },
  { target: 'conduit', method: 'DELETE', url: '/api/articles/:slug', access: 'own' },
  { target: 'conduit', method: 'POST', url: '/api/articles/:slug/favorite', access: 'own' },
  { target: 'conduit', method: 'DELETE', url: '/api/articles/:slug/favorite', access: 'own' },
  { target: 'conduit', method: 'GET', url: '/api/articles/:slug/comments', access: 'own' },
  { target: 'conduit', method: 'POST', url: '/api/articles/:slug/comments', access: 'own' },
  { target: 'conduit', method: 'DELETE', url: '/api/articles/:slug/comments/:id', access: 'own' },
  { target: 'conduit', method: 'GET', url: '/api/tags', access: 'own' },
];

/** `/users/:id` → `/users/{id}`, the OpenAPI spelling. */
export const openApiPath = (url: string): string => url.replace(/:(\w+)/g, '{$1}');
