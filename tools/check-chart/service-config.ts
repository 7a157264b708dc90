// The four services' configuration schemas: the one source for the env names the chart may set.
import type { TObject } from '@sinclair/typebox';
import { configSchema as gateway } from '../../services/gateway/src/config.ts';
import { configSchema as orders } from '../../services/orders/src/config.ts';
import { configSchema as products } from '../../services/products/src/config.ts';
import { configSchema as users } from '../../services/users/src/config.ts';
import type { ServiceName } from './workloads.ts';

export const configSchemas: Record<ServiceName, TObject> = { gateway, users, products, orders };
