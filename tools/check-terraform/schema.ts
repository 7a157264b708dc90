// The committed slice of the AWS provider schema and the lookups the checks make against it.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One block of the provider schema: its argument names, which are required, and nested blocks. */
export interface BlockSchema {
  args: string[];
  required?: string[];
  blocks?: Record<string, BlockSchema>;
  /** Read-only attributes (resources and data sources only), for checking references such as `aws_vpc.this.arn`. */
  computed?: string[];
}

export interface ProviderInfo {
  /** Registry address, e.g. registry.terraform.io/hashicorp/aws. */
  source: string;
  version: string;
  /** The npm package the schema was read from. */
  extractedFrom: string;
  /** Arguments of the `provider "<name>"` block. */
  config: BlockSchema;
}

export interface ProviderSchema {
  providers: Record<string, ProviderInfo>;
  resources: Record<string, BlockSchema>;
  dataSources: Record<string, BlockSchema>;
}

const schemaPath = join(dirname(fileURLToPath(import.meta.url)), 'provider-schema.json');

let cached: ProviderSchema | undefined;

export function loadProviderSchema(): ProviderSchema {
  cached ??= JSON.parse(readFileSync(schemaPath, 'utf8')) as ProviderSchema;
  return cached;
}
