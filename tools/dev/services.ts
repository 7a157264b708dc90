// The four services and their config schemas: what the launcher, the docs generator and the checks walk.
import type { TObject } from '@sinclair/typebox';
import { configSchema as gateway } from '../../services/gateway/src/config.ts';
import { configSchema as users } from '../../services/users/src/config.ts';
import { configSchema as products } from '../../services/products/src/config.ts';
import { configSchema as orders } from '../../services/orders/src/config.ts';

export const SERVICES = ['users', 'products', 'orders', 'gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];
export const SERVICE_SCHEMAS: Record<ServiceName, TObject> = { gateway, users, products, orders };

/**
 * Where Prometheus scrapes a service, from the URL it serves its API on: host:port. Today /metrics is on the service
 * port; when it moves to its own listener this is the one place that changes.
 */
export function metricsAddress(serviceUrl: string): string {
  return new URL(serviceUrl).host;
}
