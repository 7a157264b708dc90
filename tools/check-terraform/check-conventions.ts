// House rules for the configuration itself: formatted as `terraform fmt` writes it, typed and described variables
// with actionable validation messages, described outputs, the standard module layout, pinned providers, one place
// for tags, a locked remote backend, and no credentials, account ids or regions written into .tf files.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { format } from '@cdktf/hcl-tools';
import type { Finding } from './finding.ts';
import { blockList, isBody, localSourceDir, rootModules, type TfModule, type TfTree } from './model.ts';
import { variableType } from './types.ts';

const MODULE_FILES = ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf'];

export async function checkFormatting(tree: TfTree): Promise<Finding[]> {
  const findings: Finding[] = [];
  await Promise.all(
    [...tree.sources].map(async ([file, source]) => {
      if (!file.endsWith('.tf')) return;
      const formatted = await format(source);
      if (formatted === source) return;
      const actual = source.split('\n');
      const expected = formatted.split('\n');
      const line = actual.findIndex((text, index) => text !== expected[index]);
      findings.push({
        rule: 'terraform_fmt',
        where: `${file}: line ${line + 1}`,
        message: `not formatted as terraform fmt writes it: expected ${JSON.stringify(expected[line] ?? '')}, found ${JSON.stringify(actual[line] ?? '')}`,
      });
    }),
  );
  return findings;
}

function checkVariablesAndOutputs(module: TfModule, findings: Finding[]): void {
  for (const variable of module.variables.values()) {
    const address = `var.${variable.name}`;
    if (!('type' in variable.body))
      findings.push({
        rule: 'terraform_typed_variables',
        where: `${variable.file}: ${address}`,
        message: 'needs a type',
      });
    const type = variableType(variable.body);
    if (type instanceof Error)
      findings.push({
        rule: 'variable',
        where: `${variable.file}: ${address}`,
        message: `its type cannot be read, so its value is not converted for the policy checks: ${type.message}`,
      });
    const description = variable.body.description;
    if (typeof description !== 'string' || description.length < 10)
      findings.push({
        rule: 'terraform_documented_variables',
        where: `${variable.file}: ${address}`,
        message: 'needs a description',
      });
    for (const validation of blockList(variable.body.validation)) {
      const condition = JSON.stringify(validation.condition ?? '');
      const message = validation.error_message;
      if (!condition.includes(`var.${variable.name}`))
        findings.push({
          rule: 'variable',
          where: `${variable.file}: ${address}`,
          message: 'a validation condition must test the variable itself',
        });
      if (typeof message !== 'string' || message.length < 30 || !/[.)]$/.test(message)) {
        findings.push({
          rule: 'variable',
          where: `${variable.file}: ${address}`,
          message: 'a validation error_message must say what to do, in a full sentence',
        });
      }
    }
  }
  for (const output of module.outputs.values()) {
    const description = output.body.description;
    if (typeof description !== 'string' || description.length < 10)
      findings.push({
        rule: 'terraform_documented_outputs',
        where: `${output.file}: output.${output.name}`,
        message: 'needs a description',
      });
  }
}

interface RequiredProvider {
  source: string;
  version: string;
}

function requiredProviders(module: TfModule): Map<string, RequiredProvider> {
  const providers = new Map<string, RequiredProvider>();
  for (const block of module.terraform) {
    for (const entry of blockList(block.body.required_providers)) {
      for (const [name, value] of Object.entries(entry)) {
        if (isBody(value))
          providers.set(name, { source: String(value.source ?? ''), version: String(value.version ?? '') });
      }
    }
  }
  return providers;
}

function checkLayoutAndProviders(tree: TfTree, module: TfModule, isRoot: boolean, findings: Finding[]): void {
  const file = `${module.dir}/versions.tf`;
  if (!isRoot) {
    for (const name of MODULE_FILES) {
      if (!module.files.includes(`${module.dir}/${name}`))
        findings.push({
          rule: 'terraform_standard_module_structure',
          where: `${module.dir}: module`,
          message: `missing ${name} (standard module structure)`,
        });
    }
  }
  if (!module.terraform.some((block) => typeof block.body.required_version === 'string')) {
    findings.push({
      rule: 'terraform_required_version',
      where: `${file}: terraform`,
      message: 'must state required_version',
    });
  }
  const declared = requiredProviders(module);
  const used = new Set(module.resources.map((resource) => resource.type.split('_')[0] ?? ''));
  for (const provider of module.providers) used.add(provider.name);
  for (const name of used) {
    const provider = declared.get(name);
    if (!provider) {
      findings.push({
        rule: 'terraform_required_providers',
        where: `${file}: terraform.required_providers`,
        message: `uses the ${name} provider without declaring it`,
      });
      continue;
    }
    if (provider.source !== `hashicorp/${name}`)
      findings.push({
        rule: 'providers',
        where: `${file}: required_providers.${name}`,
        message: `source must be hashicorp/${name}`,
      });
    const expected = isRoot ? /^~> \d+\.\d+$/ : /^>= \d+\.\d+/;
    if (!expected.test(provider.version)) {
      findings.push({
        rule: 'providers',
        where: `${file}: required_providers.${name}`,
        message: isRoot
          ? `a root module pins providers with "~> X.Y"; found "${provider.version}"`
          : `a module states a minimum ">= X.Y"; found "${provider.version}"`,
      });
    }
  }
  if (!isRoot) return;
  const aws = module.providers.find((provider) => provider.name === 'aws');
  if (aws && blockList(aws.body.default_tags).length === 0) {
    findings.push({
      rule: 'tags',
      where: `${aws.file}: provider.aws`,
      message: 'set default_tags here: tags are merged from this one place',
    });
  }
  const isEnvironment = module.dir.startsWith('envs/');
  if (!isEnvironment) return;
  const backend = module.terraform.flatMap((block) =>
    isBody(block.body.backend) ? blockList(block.body.backend.s3) : [],
  )[0];
  if (!backend)
    findings.push({
      rule: 'backend',
      where: `${file}: terraform.backend`,
      message: 'an environment keeps its state in the S3 backend',
    });
  else if (backend.use_lockfile !== true || backend.encrypt !== true) {
    findings.push({
      rule: 'backend',
      where: `${file}: terraform.backend.s3`,
      message: 'set use_lockfile = true and encrypt = true',
    });
  }
  if (!module.exampleVariables)
    findings.push({
      rule: 'layout',
      where: `${module.dir}: module`,
      message: 'an environment ships a terraform.tfvars.example',
    });
  if (!existsSync(join(tree.root, module.dir, 'backend.hcl.example'))) {
    findings.push({
      rule: 'layout',
      where: `${module.dir}: module`,
      message: 'an environment ships a backend.hcl.example for `terraform init -backend-config`',
    });
  }
}

function checkModulesUsed(tree: TfTree, findings: Finding[]): void {
  const called = new Set<string>();
  for (const module of tree.modules.values()) {
    for (const call of module.moduleCalls.values()) {
      const dir = localSourceDir(module.dir, call.body.source);
      if (dir) called.add(dir);
    }
  }
  for (const module of tree.modules.values()) {
    if (module.dir.startsWith('modules/') && !called.has(module.dir)) {
      findings.push({
        rule: 'layout',
        where: `${module.dir}: module`,
        message: 'no root module calls it, so its policies are never evaluated',
      });
    }
  }
}

const ACCESS_KEY = /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/;
const ACCOUNT_ID = /(?<![0-9A-Za-z.-])[0-9]{12}(?![0-9A-Za-z])/;
const REGION =
  /\b(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov|-iso[a-z]?)?-(?:east|west|north|south|central|northeast|northwest|southeast|southwest)-[0-9]\b/;
const SECRET_ARGUMENT =
  /^\s*(password|master_password|auth_token|secret_key|access_key|token|secret_string|client_secret)\s*=\s*"([^"$]*)"/;

/** Credentials, account ids and regions belong in (git-ignored) tfvars; only *.example files may show samples. */
export function checkHardcoded(tree: TfTree): Finding[] {
  const findings: Finding[] = [];
  for (const [file, source] of tree.sources) {
    if (!file.endsWith('.tf')) continue;
    source.split('\n').forEach((line, index) => {
      const address = `line ${index + 1}`;
      // Prose may show an example ("e.g. us-east-1"); values may not.
      if (/^\s*(#|\/\/|description\s*=|error_message\s*=)/.test(line)) return;
      if (ACCESS_KEY.test(line))
        findings.push({
          rule: 'SHIP_NO_CREDENTIALS',
          where: `${file}: ${address}`,
          message: 'an AWS access key id is written in the configuration',
        });
      const secret = SECRET_ARGUMENT.exec(line);
      if (secret?.[2])
        findings.push({
          rule: 'SHIP_NO_CREDENTIALS',
          where: `${file}: ${address}`,
          message: `${secret[1]} is a literal; generate it or read it from Secrets Manager`,
        });
      if (ACCOUNT_ID.test(line))
        findings.push({
          rule: 'SHIP_NO_ACCOUNT_IDS',
          where: `${file}: ${address}`,
          message: 'a 12-digit account id is hard-coded; use data.aws_caller_identity or a variable',
        });
      if (REGION.test(line))
        findings.push({
          rule: 'SHIP_NO_REGIONS',
          where: `${file}: ${address}`,
          message: 'a region is hard-coded; use var.region or data.aws_region',
        });
    });
  }
  return findings;
}

export function checkConventions(tree: TfTree): Finding[] {
  const findings: Finding[] = [];
  const roots = new Set(rootModules(tree).map((module) => module.dir));
  for (const module of tree.modules.values()) {
    if (module.files.length === 0) continue;
    checkVariablesAndOutputs(module, findings);
    checkLayoutAndProviders(tree, module, roots.has(module.dir), findings);
  }
  checkModulesUsed(tree, findings);
  findings.push(...checkHardcoded(tree));
  return findings;
}
