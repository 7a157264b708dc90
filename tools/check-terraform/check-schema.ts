// Every resource, data source and provider block against the provider schema: known types, known arguments and
// nested blocks, required ones present (also inside nested and dynamic blocks), as `terraform validate` would.
import { didYouMean, type Finding } from './finding.ts';
import { blockList, isBody, type Body, type TfTree } from './model.ts';
import type { BlockSchema, ProviderSchema } from './schema.ts';

const RESOURCE_META = new Set([
  'count',
  'for_each',
  'provider',
  'depends_on',
  'lifecycle',
  'provisioner',
  'connection',
]);
const DATA_META = new Set(['count', 'for_each', 'provider', 'depends_on', 'lifecycle']);
const PROVIDER_META = new Set(['alias']);

export interface SchemaCounts {
  blocks: number;
  arguments: number;
}

interface Walk {
  findings: Finding[];
  counts: SchemaCounts;
  file: string;
  address: string;
}

function checkBody(body: Body, schema: BlockSchema, meta: Set<string>, path: string, walk: Walk): void {
  const args = new Set(schema.args);
  const blocks = schema.blocks ?? {};
  const present = new Set<string>();
  const where = path ? ` in ${path}` : '';

  for (const [key, value] of Object.entries(body)) {
    if (meta.has(key)) continue;
    if (key === 'dynamic' && isBody(value)) {
      for (const [name, dynamics] of Object.entries(value)) {
        const nested = blocks[name];
        if (!nested) {
          walk.findings.push({
            rule: 'schema',
            where: `${walk.file}: ${walk.address}`,
            message: `dynamic "${name}"${where} is not a nested block of this type${didYouMean(name, Object.keys(blocks))}`,
          });
          continue;
        }
        present.add(name);
        for (const dynamic of blockList(dynamics)) {
          for (const content of blockList(dynamic.content)) {
            checkBody(content, nested, new Set(), `${path ? `${path}.` : ''}${name}`, walk);
          }
        }
      }
      continue;
    }
    walk.counts.arguments++;
    if (args.has(key)) {
      present.add(key);
      continue;
    }
    const nested = blocks[key];
    if (nested) {
      present.add(key);
      // A block, or an attribute-syntax list of objects (`ingress = [...]`) that is validated the same way.
      for (const element of blockList(value))
        checkBody(element, nested, new Set(), `${path ? `${path}.` : ''}${key}`, walk);
      continue;
    }
    walk.findings.push({
      rule: 'schema',
      where: `${walk.file}: ${walk.address}`,
      message: `unknown argument "${key}"${where}${didYouMean(key, [...args, ...Object.keys(blocks)])}`,
    });
  }

  for (const required of schema.required ?? []) {
    if (present.has(required)) continue;
    const kind = blocks[required] ? 'block' : 'argument';
    walk.findings.push({
      rule: 'schema',
      where: `${walk.file}: ${walk.address}`,
      message: `missing required ${kind} "${required}"${where}`,
    });
  }
}

export function checkSchema(tree: TfTree, schema: ProviderSchema): { findings: Finding[]; counts: SchemaCounts } {
  const findings: Finding[] = [];
  const counts: SchemaCounts = { blocks: 0, arguments: 0 };
  for (const module of tree.modules.values()) {
    for (const resource of module.resources) {
      const table = resource.kind === 'resource' ? schema.resources : schema.dataSources;
      const address = `${resource.kind === 'data' ? 'data.' : ''}${resource.type}.${resource.name}`;
      const typeSchema = table[resource.type];
      counts.blocks++;
      if (!typeSchema) {
        const kind = resource.kind === 'resource' ? 'resource' : 'data source';
        findings.push({
          rule: 'schema',
          where: `${resource.file}: ${address}`,
          message: `unknown ${kind} type "${resource.type}" in the pinned providers${didYouMean(resource.type, Object.keys(table))}`,
        });
        continue;
      }
      const meta = resource.kind === 'resource' ? RESOURCE_META : DATA_META;
      checkBody(resource.body, typeSchema, meta, '', { findings, counts, file: resource.file, address });
    }
    for (const provider of module.providers) {
      const info = schema.providers[provider.name];
      counts.blocks++;
      if (!info) {
        findings.push({
          rule: 'schema',
          where: `${provider.file}: provider.${provider.name}`,
          message: `no schema for provider "${provider.name}"`,
        });
        continue;
      }
      checkBody(provider.body, info.config, PROVIDER_META, '', {
        findings,
        counts,
        file: provider.file,
        address: `provider.${provider.name}`,
      });
    }
  }
  return { findings, counts };
}
