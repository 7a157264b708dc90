// The public API, route by route: the one list the proxy registers and the combined docs are filtered by.
// Anything not listed here (every /internal/* endpoint, health, metrics, docs of the services) is not reachable.
export type Target = 'users' | 'products' | 'orders' | 'conduit';

export interface PublicRoute {
  target: Target;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fastify route template; `:id` segments are UUIDs, except under /api (RealWorld: integer comment ids). */
  url: string;
}

export const TARGETS: readonly Target[] = ['users', 'products', 'orders', 'conduit'];

/** The RealWorld API (conduit) lives under /api: its own error format, its own Token scheme, CORS. */
export { REALWORLD_PREFIX, isRealWorldPath } from '@shipshape/platform/realworld-errors';

export const PUBLIC_ROUTES: readonly PublicRoute[] = [
  { target: 'users', method: 'POST', url: '/users' },
  { target: 'users', method: 'GET', url: '/users' },
  { target: 'users', method: 'GET', url: '/users/:id' },
  { target: 'users', method: 'PATCH', url: '/users/:id' },
  { target: 'users', method: 'DELETE', url: '/users/:id' },
  { target: 'products', method: 'GET', url: '/products' },
  { target: 'products', method: 'POST', url: '/products' },
  { target: 'products', method: 'GET', url: '/products/:id' },
  { target: 'products', method: 'PATCH', url: '/products/:id' },
  { target: 'products', method: 'DELETE', url: '/products/:id' },
  { target: 'orders', method: 'POST', url: '/orders' },
  { target: 'orders', method: 'GET', url: '/orders' },
  { target: 'orders', method: 'GET', url: '/orders/:id' },
  { target: 'orders', method: 'POST', url: '/orders/:id/cancel' },
  // RealWorld (conduit): every endpoint of the specification, nothing else (no health, metrics or docs).
  { target: 'conduit', method: 'POST', url: '/api/users' },
  { target: 'conduit', method: 'POST', url: '/api/users/login' },
  { target: 'conduit', method: 'GET', url: '/api/user' },
  { target: 'conduit', method: 'PUT', url: '/api/user' },
  { target: 'conduit', method: 'GET', url: '/api/profiles/:username' },
  { target: 'conduit', method: 'POST', url: '/api/profiles/:username/follow' },
  { target: 'conduit', method: 'DELETE', url: '/api/profiles/:username/follow' },
  { target: 'conduit', method: 'GET', url: '/api/articles' },
  { target: 'conduit', method: 'POST', url: '/api/articles' },
  { target: 'conduit', method: 'GET', url: '/api/articles/feed' },
  { target: 'conduit', method: 'GET', url: '/api/articles/:slug' },
  { target: 'conduit', method: 'PUT', url: '/api/articles/:slug' },
  { target: 'conduit', method: 'DELETE', url: '/api/articles/:slug' },
  { target: 'conduit', method: 'POST', url: '/api/articles/:slug/favorite' },
  { target: 'conduit', method: 'DELETE', url: '/api/articles/:slug/favorite' },
  { target: 'conduit', method: 'GET', url: '/api/articles/:slug/comments' },
  { target: 'conduit', method: 'POST', url: '/api/articles/:slug/comments' },
  { target: 'conduit', method: 'DELETE', url: '/api/articles/:slug/comments/:id' },
  { target: 'conduit', method: 'GET', url: '/api/tags' },
];

/** `/users/:id` → `/users/{id}`, the OpenAPI spelling. */
export const openApiPath = (url: string): string => url.replace(/:(\w+)/g, '{$1}');
