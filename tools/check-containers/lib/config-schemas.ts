// What each deployable reads from its environment, straight from the config schemas: never a copied list of names.
import { Type, type TObject } from '@sinclair/typebox';
import { acceptedEnvNames, databaseEnv, describeConfig } from '@shipshape/platform/config';
import { REGISTRY, SERVICES } from '../../dev/services.ts';

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

/** The services, from the registry (tools/dev/services.ts). */
export const SERVICE_NAMES = SERVICES;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const SERVICE_CONTRACTS = Object.fromEntries(
  SERVICES.map((name) => [name, contract(`the ${name} service`, REGISTRY[name].config)]),
) as Record<ServiceName, EnvContract>;

/** `node tools/db/*.ts` reads the same database settings as the services (tools/db/targets.ts). */
export const DB_TOOLS_CONTRACT = contract('the db tooling (tools/db)', Type.Object(databaseEnv));

export function isServiceName(name: string): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}

/** Every variable any schema marks as a secret. */
export const SECRET_ENV_NAMES: ReadonlySet<string> = new Set(
  [...Object.values(SERVICE_CONTRACTS), DB_TOOLS_CONTRACT].flatMap((c) => [...c.secrets]),
);
