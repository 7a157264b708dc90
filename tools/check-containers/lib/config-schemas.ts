// What each deployable reads from its environment, straight from the config schemas: never a copied list of names.
import { Type, type TObject } from '@sinclair/typebox';
import { acceptedEnvNames, databaseEnv, describeConfig } from '@shipshape/platform/config';
import { configSchema as gateway } from '../../../services/gateway/src/config.ts';
import { configSchema as users } from '../../../services/users/src/config.ts';
import { configSchema as products } from '../../../services/products/src/config.ts';
import { configSchema as orders } from '../../../services/orders/src/config.ts';

export interface EnvContract {
  /** Who reads it, for messages: "the users service", "the db tools". */
  reader: string;
  accepted: ReadonlySet<string>;
  /** Required with no default: must be given (or as `<NAME>_FILE`). */
  required: string[];
  secrets: ReadonlySet<string>;
  /** The PORT default, for services. */
  defaultPort: number | undefined;
}

function contract(reader: string, schema: TObject): EnvContract {
  const rows = describeConfig(schema);
  const port = rows.find((r) => r.name === 'PORT')?.default;
  return {
    reader,
    accepted: new Set(acceptedEnvNames(schema)),
    required: rows.filter((r) => r.required).map((r) => r.name),
    secrets: new Set(rows.filter((r) => r.secret).map((r) => r.name)),
    defaultPort: typeof port === 'number' ? port : undefined,
  };
}

export const SERVICE_NAMES = ['gateway', 'users', 'products', 'orders'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const SERVICE_CONTRACTS: Record<ServiceName, EnvContract> = {
  gateway: contract('the gateway service', gateway),
  users: contract('the users service', users),
  products: contract('the products service', products),
  orders: contract('the orders service', orders),
};

/** `node tools/db/*.ts` reads the same database settings as the services (tools/db/targets.ts). */
export const DB_TOOLS_CONTRACT = contract('the db tooling (tools/db)', Type.Object(databaseEnv));

export function isServiceName(name: string): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}

/** Every variable any schema marks as a secret. */
export const SECRET_ENV_NAMES: ReadonlySet<string> = new Set(
  [...Object.values(SERVICE_CONTRACTS), DB_TOOLS_CONTRACT].flatMap((c) => [...c.secrets]),
);
