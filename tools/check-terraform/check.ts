// `node tools/check-terraform/check.ts [dir]`: every Terraform check over a tree (default infra/terraform).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkConventions, checkFormatting } from './check-conventions.ts';
import { checkPolicies, type PolicyCounts } from './check-policies.ts';
import { checkReferences, type ReferenceCounts } from './check-references.ts';
import { checkSchema, type SchemaCounts } from './check-schema.ts';
import type { PolicyException } from './exceptions.ts';
import { formatReport } from '../findings.ts';
import type { Finding } from './finding.ts';
import { loadTree } from './model.ts';
import type { Policy } from './policies.ts';
import { loadProviderSchema } from './schema.ts';

export const TERRAFORM_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../infra/terraform');

export interface Report {
  findings: Finding[];
  counts: {
    files: number;
    modules: number;
    resources: number;
    dataSources: number;
  } & { schema: SchemaCounts; references: ReferenceCounts; policies: PolicyCounts };
}

export interface CheckOptions {
  policies?: Policy[];
  exceptions?: PolicyException[];
}

export async function checkTerraform(dir: string = TERRAFORM_ROOT, options: CheckOptions = {}): Promise<Report> {
  const tree = await loadTree(dir);
  const schema = loadProviderSchema();
  const parseFindings: Finding[] = tree.parseFailures.map((failure) => ({
    rule: 'parse',
    where: `${failure.file}: file`,
    message: failure.message,
  }));
  const formatting = await checkFormatting(tree);
  const schemaResult = checkSchema(tree, schema);
  const references = await checkReferences(tree, schema);
  const policies = checkPolicies(tree, options.policies, options.exceptions);
  const conventions = checkConventions(tree);
  const resources = [...tree.modules.values()].flatMap((module) => module.resources);
  return {
    findings: [
      ...parseFindings,
      ...formatting,
      ...schemaResult.findings,
      ...references.findings,
      ...conventions,
      ...policies.findings,
    ],
    counts: {
      files: [...tree.sources.keys()].filter((file) => file.endsWith('.tf')).length,
      modules: [...tree.modules.values()].filter((module) => module.files.length > 0).length,
      resources: resources.filter((resource) => resource.kind === 'resource').length,
      dataSources: resources.filter((resource) => resource.kind === 'data').length,
      schema: schemaResult.counts,
      references: references.counts,
      policies: policies.counts,
    },
  };
}

export function summarise(report: Report): string {
  const { counts } = report;
  return (
    `${counts.files} files in ${counts.modules} modules; ${counts.resources} resources and ${counts.dataSources} data sources; ` +
    `${counts.schema.arguments} arguments checked against the provider schema; ${counts.references.references} references in ` +
    `${counts.references.expressions} expressions, ${counts.references.moduleCalls} module calls and ${counts.references.movedBlocks} moved blocks resolved; ` +
    `${counts.policies.policies} policies ` +
    `evaluated ${counts.policies.evaluations} times (${counts.policies.waived} waived in exceptions.ts); ${report.findings.length} findings`
  );
}

if (import.meta.main) {
  const report = await checkTerraform(resolve(process.argv[2] ?? TERRAFORM_ROOT));
  console.log(formatReport('check:terraform', report.findings));
  console.log(summarise(report));
  process.exitCode = report.findings.length === 0 ? 0 : 1;
}
