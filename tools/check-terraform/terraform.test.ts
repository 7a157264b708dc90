import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkTerraform, summarise } from './check.ts';
import { camelToSnake, terraformName } from './extract-schema.ts';
import { formatFinding, type Finding } from './finding.ts';
import { ROOT_HEADER, writeTree } from './fixture.ts';
import { POLICIES } from './policies.ts';
import { loadProviderSchema } from './schema.ts';

const messages = (findings: Finding[], check?: string): string[] =>
  findings.filter((finding) => check === undefined || finding.rule === check).map(formatFinding);

async function checkFiles(files: Record<string, string>): Promise<Finding[]> {
  await using tree = writeTree(files);
  return (await checkTerraform(tree.dir, { exceptions: [] })).findings;
}

describe('the Shipshape configuration in infra/terraform', () => {
  test('when every check runs over it, then there are no findings', async (t) => {
    const report = await checkTerraform();
    const summary = summarise(report);
    t.diagnostic(summary);
    console.log(`check-terraform: ${summary}`);
    assert.deepEqual(messages(report.findings), []);
    // Guards against a loader that silently reads nothing: these are well below the real numbers.
    assert.ok(report.counts.files >= 60, summary);
    assert.ok(report.counts.resources >= 90, summary);
    assert.ok(report.counts.schema.arguments >= 600, summary);
    assert.ok(report.counts.references.references >= 600, summary);
    assert.ok(report.counts.policies.evaluations >= 300, summary);
  });

  test('when the committed provider schema is read, then it is hashicorp/aws 6.25 and random 3.7', () => {
    const schema = loadProviderSchema();
    assert.equal(schema.providers.aws?.version, '6.25.0');
    assert.equal(schema.providers.random?.version.startsWith('3.7'), true);
    assert.deepEqual(schema.resources.aws_eks_cluster?.required, ['name', 'role_arn', 'vpc_config']);
    assert.ok(schema.dataSources.aws_iam_policy_document?.blocks?.statement?.blocks?.principals);
  });
});

describe('the provider schema check', () => {
  test('when a resource has an unknown argument, then it is named with a suggestion', async () => {
    const findings = await checkFiles({
      'main.tf': `${ROOT_HEADER}
resource "aws_vpc" "this" {
  cidr_blok = "10.0.0.0/16"
}
`,
    });
    assert.deepEqual(messages(findings, 'schema'), [
      'main.tf: aws_vpc.this: [schema] unknown argument "cidr_blok" (did you mean "cidr_block"?)',
    ]);
  });

  test('when required arguments and blocks are missing, also inside nested and dynamic blocks, then each is reported', async () => {
    const findings = await checkFiles({
      'main.tf': `${ROOT_HEADER}
resource "aws_eks_cluster" "this" {
  name = "demo"

  encryption_config {
    resources = ["secrets"]
    provider {}
  }
}

resource "aws_dynamodb_table" "this" {
  name     = "demo"
  hash_key = "id"

  dynamic "attribute" {
    for_each = ["id"]

    content {
      name = attribute.value
    }
  }
}

data "aws_iam_policy_type_that_does_not_exist" "x" {}
`,
    });
    assert.deepEqual(messages(findings, 'schema').sort(), [
      'main.tf: aws_dynamodb_table.this: [schema] missing required argument "type" in attribute',
      'main.tf: aws_eks_cluster.this: [schema] missing required argument "key_arn" in encryption_config.provider',
      'main.tf: aws_eks_cluster.this: [schema] missing required argument "role_arn"',
      'main.tf: aws_eks_cluster.this: [schema] missing required block "vpc_config"',
      'main.tf: data.aws_iam_policy_type_that_does_not_exist.x: [schema] unknown data source type "aws_iam_policy_type_that_does_not_exist" in the pinned providers',
    ]);
  });
});

describe('the reference check', () => {
  test('when references dangle, then each names what is missing', async () => {
    const findings = await checkFiles({
      'main.tf': `${ROOT_HEADER}
resource "aws_vpc" "this" {
  cidr_block = var.cidr
}

resource "aws_subnet" "this" {
  vpc_id     = aws_vpc.this.idd
  cidr_block = local.subnet
}

output "subnet" {
  description = "The subnet of the fixture."
  value       = aws_subnet.missing.id
}

output "each" {
  description = "each outside for_each."
  value       = each.key
}
`,
    });
    assert.deepEqual(messages(findings, 'reference').sort(), [
      'main.tf: aws_subnet.this: [reference] resource type "aws_vpc" has no attribute "idd" (did you mean "id"?)',
      'main.tf: aws_subnet.this: [reference] undeclared local "local.subnet"',
      'main.tf: aws_vpc.this: [reference] undeclared variable "var.cidr"',
      'main.tf: output.each: [reference] "each" is only available in a block with for_each',
      'main.tf: output.subnet: [reference] no resource "aws_subnet.missing" in . (did you mean "aws_subnet.this"?)',
    ]);
  });

  test('when a module call passes an undeclared variable, misses a required one or reads a missing output, then each is reported', async () => {
    const findings = await checkFiles({
      'envs/dev/main.tf': `${ROOT_HEADER}
module "network" {
  source = "../../modules/network"

  cidr_blok = "10.0.0.0/16"
}

module "registry" {
  source = "terraform-aws-modules/ecr/aws"
}

output "vpc" {
  description = "The VPC of the fixture."
  value       = module.network.vpc
}
`,
      'modules/network/variables.tf': `variable "cidr_block" {
  type        = string
  description = "CIDR of the VPC."
}
`,
      'modules/network/outputs.tf': `output "vpc_id" {
  description = "ID of the VPC."
  value       = var.cidr_block
}
`,
    });
    assert.deepEqual(
      messages(findings.filter((finding) => finding.rule === 'module-call' || finding.rule === 'reference')).sort(),
      [
        'envs/dev/main.tf: module.network: [module-call] does not pass required variable "cidr_block" of modules/network',
        'envs/dev/main.tf: module.network: [module-call] passes "cidr_blok", which modules/network does not declare (did you mean "cidr_block"?)',
        'envs/dev/main.tf: module.registry: [module-call] source "terraform-aws-modules/ecr/aws" is not a local path; modules live in this repository so the whole configuration is checked offline',
        'envs/dev/main.tf: output.vpc: [reference] module "network" (modules/network) has no output "vpc" (did you mean "vpc_id"?)',
      ],
    );
  });

  test('when an object written out for a typed variable misspells or leaves out an attribute, then the module call is reported', async () => {
    const findings = await checkFiles({
      'envs/dev/main.tf': `${ROOT_HEADER}
module "app" {
  source = "../../modules/app"

  profile = {
    database = { min_acu = 0.5, instances = 1 }
    cache    = { mutli_az = false }
  }
}
`,
      'modules/app/variables.tf': `variable "profile" {
  type = object({
    database = object({
      min_acu   = number
      max_acu   = number
      instances = optional(number, 2)
    })
    cache = optional(object({
      multi_az = optional(bool, true)
    }), {})
  })
  description = "What sets the environment apart."
}
`,
    });
    assert.deepEqual(messages(findings, 'module-call').sort(), [
      'envs/dev/main.tf: module.app: [module-call] profile.cache.mutli_az is not in the type of var.profile in modules/app, so Terraform drops it silently (did you mean "multi_az"?)',
      'envs/dev/main.tf: module.app: [module-call] profile.database.max_acu is required by the type of var.profile in modules/app',
    ]);
  });

  test('when a moved block points at nothing declared or from something still declared, then it is reported, through nested module calls', async () => {
    const findings = await checkFiles({
      'envs/dev/main.tf': `${ROOT_HEADER}
module "app" {
  source = "../../modules/app"
}

moved {
  from = module.database
  to   = module.app.module.database
}

moved {
  from = module.cache
  to   = module.app.module.cache
}

moved {
  from = module.app
  to   = module.app.module.database.aws_rds_cluster.gone
}
`,
      'modules/app/main.tf': `module "database" {
  source = "../database"
}
`,
      'modules/database/main.tf': `resource "aws_rds_cluster" "this" {
  engine = "aurora-postgresql"
}
`,
    });
    assert.deepEqual(messages(findings, 'reference').sort(), [
      'envs/dev/main.tf: moved module.app: [reference] moves from module.app, which is still declared',
      'envs/dev/main.tf: moved module.app: [reference] moves to module.app.module.database.aws_rds_cluster.gone, which the configuration does not declare',
      'envs/dev/main.tf: moved module.cache: [reference] moves to module.app.module.cache, which the configuration does not declare',
    ]);
  });
});

describe('the conventions check', () => {
  test('when a file is not formatted as terraform fmt writes it, then the first differing line is shown', async () => {
    const findings = await checkFiles({
      'main.tf': `${ROOT_HEADER}
resource "aws_vpc" "this" {
  cidr_block = "10.0.0.0/16"
  enable_dns_support = true
}
`,
    });
    assert.deepEqual(messages(findings, 'terraform_fmt'), [
      `main.tf: line ${ROOT_HEADER.split('\n').length + 2}: [terraform_fmt] not formatted as terraform fmt writes it: expected "  cidr_block         = \\"10.0.0.0/16\\"", found "  cidr_block = \\"10.0.0.0/16\\""`,
    ]);
  });

  test('when credentials, account ids or regions are written into .tf files, then each line is reported and examples are not', async () => {
    const findings = await checkFiles({
      'main.tf': `${ROOT_HEADER}
resource "aws_iam_user" "ci" {
  name = "ci-AKIAABCDEFGHIJKLMNOP"
}

resource "aws_ssm_parameter" "this" {
  name  = "arn:aws:iam::123456789012:role/x"
  type  = "String"
  value = "us-west-2"
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id = "x"
  description          = "x"
  auth_token           = "hunter2hunter2hunter2"
}
`,
      'terraform.tfvars.example': 'region = "us-east-1"\n',
    });
    const hardcoded = findings.filter((finding) => finding.rule.startsWith('SHIP_NO_'));
    assert.deepEqual(
      hardcoded.map((finding) => `${finding.rule} ${finding.where.split(': ').at(-1)}`),
      [
        'SHIP_NO_CREDENTIALS line 26',
        'SHIP_NO_ACCOUNT_IDS line 30',
        'SHIP_NO_REGIONS line 32',
        'SHIP_NO_CREDENTIALS line 38',
      ],
    );
  });

  test('when variables lack a type, description or actionable validation, or outputs a description, then each is reported', async () => {
    const findings = await checkFiles({
      'main.tf': `${ROOT_HEADER}
variable "size" {
  validation {
    condition     = true
    error_message = "bad"
  }
}

output "size" {
  value = var.size
}
`,
    });
    assert.deepEqual(
      messages(
        findings.filter((finding) =>
          [
            'variable',
            'terraform_typed_variables',
            'terraform_documented_variables',
            'terraform_documented_outputs',
          ].includes(finding.rule),
        ),
      ).sort(),
      [
        'main.tf: output.size: [terraform_documented_outputs] needs a description',
        'main.tf: var.size: [terraform_documented_variables] needs a description',
        'main.tf: var.size: [terraform_typed_variables] needs a type',
        'main.tf: var.size: [variable] a validation condition must test the variable itself',
        'main.tf: var.size: [variable] a validation error_message must say what to do, in a full sentence',
      ],
    );
  });

  test('when a variable type cannot be read, then it is reported, because its defaults would not reach the policies', async () => {
    const findings = await checkFiles({
      'main.tf': `${ROOT_HEADER}
variable "profile" {
  type        = object({ size = optional(number, max(1, 2)) })
  description = "A default that is not a literal."
}
`,
    });
    assert.deepEqual(messages(findings, 'variable'), [
      'main.tf: var.profile: [variable] its type cannot be read, so its value is not converted for the policy checks: a default must be a literal value, found "max"',
    ]);
  });
});

// One root module that breaks every policy at least once.
const INSECURE = `${ROOT_HEADER}
resource "aws_vpc" "this" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "this" {
  vpc_id                  = aws_vpc.this.id
  cidr_block              = "10.0.0.0/24"
  map_public_ip_on_launch = true
}

resource "aws_security_group" "open" {
  vpc_id = aws_vpc.this.id

  ingress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_eks_cluster" "this" {
  name     = "x"
  role_arn = "x"

  vpc_config {
    subnet_ids = [aws_subnet.this.id]
  }
}

resource "aws_launch_template" "this" {
  name = "x"
}

resource "aws_db_instance" "this" {
  instance_class      = "db.t4g.micro"
  engine              = "postgres"
  publicly_accessible = true
}

resource "aws_rds_cluster" "this" {
  engine = "aurora-postgresql"
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id = "x"
  description          = "x"
}

resource "aws_dynamodb_table" "this" {
  name     = "x"
  hash_key = "id"

  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_ecr_repository" "this" {
  name = "x"
}

resource "aws_s3_bucket" "this" {
  bucket = "x"
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id
}

resource "aws_s3_bucket" "bare" {
  bucket = "y"
}

resource "aws_kms_key" "this" {}

resource "aws_cloudwatch_log_group" "this" {
  name = "x"
}

resource "aws_secretsmanager_secret" "this" {
  name = "x"
}

data "aws_iam_policy_document" "this" {
  statement {
    actions   = ["*", "s3:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
  }

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = ["x"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "x"
  assume_role_policy = jsonencode({ Statement = [] })
}

resource "aws_ecs_cluster" "this" {
  name = "x"
}

resource "aws_ecs_task_definition" "this" {
  family             = "x"
  execution_role_arn = aws_iam_role.this.arn
  task_role_arn      = aws_iam_role.this.arn
  container_definitions = jsonencode([{ name = "x", image = "x", privileged = true }])
}

resource "aws_ecs_service" "this" {
  name = "x"

  network_configuration {
    subnets          = ["x"]
    assign_public_ip = true
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = false
  }
}

resource "aws_lb" "this" {
  name = "x"
}
`;

describe('the security policies', () => {
  test('when a configuration breaks every rule, then every policy reports it', async () => {
    const findings = await checkFiles({ 'main.tf': INSECURE });
    const fired = new Set(findings.map((finding) => finding.rule));
    const silent = POLICIES.map((policy) => policy.id).filter((id) => !fired.has(id));
    assert.deepEqual(silent, []);
    assert.ok(POLICIES.length >= 50);
  });

  test('when a module instance makes the database public through a variable from the environment, then CKV_AWS_17 names the environment and resource', async () => {
    const findings = await checkFiles({
      'envs/dev/main.tf': `${ROOT_HEADER}
variable "public" {
  type        = bool
  description = "Whether the database is public."
}

module "database" {
  source = "../../modules/database"

  public = var.public
}
`,
      'envs/dev/terraform.tfvars.example': 'region = "us-east-1"\npublic = true\n',
      'modules/database/main.tf': `variable "public" {
  type        = bool
  description = "Whether the database is public."
}

resource "aws_rds_cluster_instance" "this" {
  cluster_identifier  = "x"
  instance_class      = "db.serverless"
  engine              = "aurora-postgresql"
  publicly_accessible = var.public
}
`,
    });
    assert.deepEqual(messages(findings, 'CKV_AWS_17'), [
      'modules/database/main.tf: envs/dev: module.database.aws_rds_cluster_instance.this: [CKV_AWS_17] Databases are not publicly accessible: publicly_accessible must be false; it is true',
    ]);
  });

  test('when values reach a resource through two levels of module calls and optional defaults, then the policies see them per environment', async () => {
    const composition = `variable "public" {
  type        = bool
  description = "Whether the database is public."
}

variable "profile" {
  type = object({
    size = number
    protection = optional(object({
      deletion = optional(bool, true)
    }), {})
  })
  description = "What sets the environment apart."
}

module "database" {
  source = "../database"

  public              = var.public
  deletion_protection = var.profile.protection.deletion
}
`;
    const database = `variable "public" {
  type        = bool
  description = "Whether the database is public."
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse to delete the cluster."
}

resource "aws_rds_cluster" "this" {
  engine              = "aurora-postgresql"
  deletion_protection = var.deletion_protection
}

resource "aws_rds_cluster_instance" "this" {
  cluster_identifier  = aws_rds_cluster.this.id
  instance_class      = "db.serverless"
  engine              = "aurora-postgresql"
  publicly_accessible = var.public
}
`;
    const root = (profile: string) => `${ROOT_HEADER}
variable "public" {
  type        = bool
  description = "Whether the database is public."
}

module "app" {
  source = "../../modules/app"

  public  = var.public
  profile = ${profile}
}
`;
    const findings = await checkFiles({
      // dev gives protection up and makes the database public from its tfvars; prod sets neither, and the
      // defaults of the composition module's type keep it protected; staging passes null, which means the default.
      'envs/dev/main.tf': root('{ size = 1, protection = { deletion = false } }'),
      'envs/dev/terraform.tfvars.example': 'region = "us-east-1"\npublic = true\n',
      'envs/prod/main.tf': root('{ size = 3 }'),
      'envs/prod/terraform.tfvars.example': 'region = "us-east-1"\npublic = false\n',
      'envs/staging/main.tf': root('{ size = 2, protection = null }'),
      'envs/staging/terraform.tfvars.example': 'region = "us-east-1"\npublic = false\n',
      'modules/app/main.tf': composition,
      'modules/database/main.tf': database,
    });
    assert.deepEqual(
      messages(findings.filter((finding) => finding.rule === 'CKV_AWS_17' || finding.rule === 'CKV_AWS_139')).sort(),
      [
        'modules/database/main.tf: envs/dev: module.app.module.database.aws_rds_cluster.this: [CKV_AWS_139] RDS cluster has deletion protection: deletion_protection must be true (a stray destroy cannot drop the database); it is false',
        'modules/database/main.tf: envs/dev: module.app.module.database.aws_rds_cluster_instance.this: [CKV_AWS_17] Databases are not publicly accessible: publicly_accessible must be false; it is true',
      ],
    );
  });

  test('when the cache is not encrypted, then CKV_AWS_29 and CKV_AWS_30 say so', async () => {
    const findings = await checkFiles({
      'main.tf': `${ROOT_HEADER}
resource "aws_elasticache_replication_group" "this" {
  replication_group_id       = "x"
  description                = "x"
  at_rest_encryption_enabled = false
}
`,
    });
    assert.deepEqual(
      messages(findings.filter((finding) => finding.rule === 'CKV_AWS_29' || finding.rule === 'CKV_AWS_30')),
      [
        'main.tf: .: aws_elasticache_replication_group.this: [CKV_AWS_29] ElastiCache is encrypted at rest: at_rest_encryption_enabled must be true (snapshots and swap hold cached data); it is false',
        'main.tf: .: aws_elasticache_replication_group.this: [CKV_AWS_30] ElastiCache is encrypted in transit: transit_encryption_enabled must be true (TLS between pods and the cache); it is not set',
      ],
    );
  });

  test('when ECS runs non-root, read-only, private tasks with two roles and rollbacks, then the ECS policies accept it', async () => {
    const findings = await checkFiles({
      'main.tf': `${ROOT_HEADER}
resource "aws_ecs_cluster" "this" {
  name = "x"

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_task_definition" "this" {
  family                = "x"
  execution_role_arn    = "arn:aws:iam::1:role/execution"
  task_role_arn         = "arn:aws:iam::1:role/task"
  container_definitions = jsonencode([{ name = "x", image = "x", readonlyRootFilesystem = true, privileged = false }])
}

resource "aws_ecs_service" "this" {
  name = "x"

  network_configuration {
    subnets          = ["x"]
    assign_public_ip = false
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  alarms {
    alarm_names = ["x"]
    enable      = true
    rollback    = true
  }
}
`,
    });
    const ecs = ['CKV_AWS_65', 'CKV_AWS_249', 'CKV_AWS_336', 'CKV_AWS_333', 'SHIP_ECS_ROLLBACK'];
    assert.deepEqual(messages(findings.filter((finding) => ecs.includes(finding.rule))), []);
  });

  test('when a Deny statement uses a "*" principal and action, then the IAM wildcard policies accept it', async () => {
    const findings = await checkFiles({
      'main.tf': `${ROOT_HEADER}
data "aws_iam_policy_document" "tls_only" {
  statement {
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = ["*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}
`,
    });
    assert.deepEqual(
      messages(findings.filter((finding) => finding.rule.includes('IAM') || finding.rule === 'CKV_AWS_49')),
      [],
    );
  });

  test('when an exception matches a finding it waives it, and when it matches nothing it is reported as stale', async () => {
    await using tree = writeTree({ 'main.tf': `${ROOT_HEADER}\nresource "aws_kms_key" "this" {}\n` });
    const waived = await checkTerraform(tree.dir, {
      exceptions: [{ policy: 'CKV_AWS_7', root: '.', address: 'aws_kms_key.this', reason: 'fixture' }],
    });
    assert.deepEqual(messages(waived.findings), []);
    assert.equal(waived.counts.policies.waived, 1);
    const stale = await checkTerraform(tree.dir, {
      exceptions: [{ policy: 'CKV_AWS_39', root: '.', address: 'aws_eks_cluster.gone', reason: 'fixture' }],
    });
    assert.deepEqual(messages(stale.findings).sort(), [
      'main.tf: .: aws_kms_key.this: [CKV_AWS_7] KMS keys rotate: enable_key_rotation must be true (yearly rotation limits what one leaked key version decrypts); it is not set',
      'tools/check-terraform/exceptions.ts: .: aws_eks_cluster.gone: [exception] the exception for CKV_AWS_39 no longer matches a finding; remove it',
    ]);
  });
});

describe('the schema extraction', () => {
  test('when a jsii property documents its Terraform name, then that name wins over converting the camelCase', () => {
    const docs = (summary: string) => ({ name: 'addressLine1', type: { primitive: 'string' }, docs: { summary } });
    assert.equal(
      terraformName(
        docs(
          'Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/x#address_line_1 X#address_line_1}.',
        ),
      ),
      'address_line_1',
    );
    assert.equal(terraformName({ ...docs('vpc_config block.'), name: 'vpcConfig' }), 'vpc_config');
    assert.equal(terraformName({ ...docs('no link'), name: 'enableDnsSupport' }), 'enable_dns_support');
    assert.equal(camelToSnake('ipv6CidrBlock'), 'ipv6_cidr_block');
  });
});
