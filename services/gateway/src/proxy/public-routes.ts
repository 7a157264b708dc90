// The public API, route by route: the one list the proxy registers and the combined docs are filtered by.
// Anything not listed here (every /internal/* endpoint, health, metrics, docs of the services) is not reachable.
export type Target = 'users' | 'products' | 'orders';

export interface PublicRoute {
  target: Target;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Fastify route template; `:id` segments are UUIDs. */
  url: string;
}

export const TARGETS: readonly Target[] = ['users', 'products', 'orders'];

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
];

/** `/users/:id` → `/users/{id}`, the OpenAPI spelling. */
export const openApiPath = (url: string): string => url.replace(/:(\w+)/g, '{$1}');
