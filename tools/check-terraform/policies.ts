// Security policies, keyed by the checkov rule they implement (SHIP_* where checkov has no single rule). Each
// returns a failure message or undefined. Values that only exist after apply (resource attributes) count as set;
// values that must be literally secure (publicly_accessible = false) fail when they cannot be shown statically.
import { evaluate, UNKNOWN, type Subject, type Value } from './evaluate.ts';
import { blockList, type Body } from './model.ts';

export interface Policy {
  id: string;
  title: string;
  /** Resource types it applies to; data sources are written data.<type>. */
  types: string[];
  check(subject: Subject): string | undefined;
}

const isSet = (value: Value): boolean => value !== undefined && value !== null && value !== '';
const show = (value: Value): string => (value === UNKNOWN ? 'a value not known before apply' : JSON.stringify(value));
const requireTrue = (subject: Subject, path: string, why: string): string | undefined => {
  const value = subject.get(path);
  return value === true
    ? undefined
    : `${path} must be true (${why}); it is ${value === undefined ? 'not set' : show(value)}`;
};
const requireSet = (subject: Subject, path: string, why: string): string | undefined =>
  isSet(subject.get(path)) ? undefined : `${path} must be set (${why})`;

// ---- network ----------------------------------------------------------------------------------------------------

interface IngressRule {
  where: string;
  protocol: Value;
  from: Value;
  to: Value;
  cidrs: Value[];
}

function ingressRules(subject: Subject): IngressRule[] {
  const { type } = subject.resource;
  if (type === 'aws_security_group') {
    return subject.blocks('ingress').map((rule, index) => {
      const value = (key: string): Value => evaluate(rule[key], subject.instance);
      return {
        where: `ingress[${index}]`,
        protocol: value('protocol'),
        from: value('from_port'),
        to: value('to_port'),
        cidrs: [value('cidr_blocks'), value('ipv6_cidr_blocks')].flatMap((v) => (Array.isArray(v) ? v : [v])),
      };
    });
  }
  if (type === 'aws_security_group_rule' && subject.get('type') !== 'ingress') return [];
  if (type === 'aws_vpc_security_group_egress_rule') return [];
  const cidrs =
    type === 'aws_security_group_rule'
      ? [subject.get('cidr_blocks'), subject.get('ipv6_cidr_blocks')].flatMap((v) => (Array.isArray(v) ? v : [v]))
      : [subject.get('cidr_ipv4'), subject.get('cidr_ipv6')];
  return [
    {
      where: 'rule',
      protocol: subject.get(type === 'aws_security_group_rule' ? 'protocol' : 'ip_protocol'),
      from: subject.get('from_port'),
      to: subject.get('to_port'),
      cidrs,
    },
  ];
}

const WORLD = new Set(['0.0.0.0/0', '::/0']);
const ALL_PROTOCOLS = new Set(['-1', -1, 'all']);

function worldOpenTo(port: number | 'all'): (subject: Subject) => string | undefined {
  return (subject) => {
    for (const rule of ingressRules(subject)) {
      if (!rule.cidrs.some((cidr) => typeof cidr === 'string' && WORLD.has(cidr))) continue;
      const allProtocols = ALL_PROTOCOLS.has(rule.protocol as string | number);
      if (port === 'all') {
        if (allProtocols) return `${rule.where} allows every port and protocol from the internet`;
        continue;
      }
      const from = typeof rule.from === 'number' ? rule.from : 0;
      const to = typeof rule.to === 'number' ? rule.to : 65535;
      if (allProtocols || (from <= port && port <= to)) return `${rule.where} allows port ${port} from the internet`;
    }
    return undefined;
  };
}

const SECURITY_GROUP_TYPES = ['aws_security_group', 'aws_security_group_rule', 'aws_vpc_security_group_ingress_rule'];

// ---- IAM ----------------------------------------------------------------------------------------------------------

function allowStatements(subject: Subject): Body[] {
  return subject
    .blocks('statement')
    .filter((statement) => statement.effect === undefined || statement.effect === 'Allow');
}

function strings(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).filter((entry): entry is string => typeof entry === 'string');
}

const POLICY_ARGUMENTS: Record<string, string> = {
  aws_iam_role: 'assume_role_policy',
  aws_iam_role_policy: 'policy',
  aws_iam_policy: 'policy',
  aws_iam_user_policy: 'policy',
  aws_iam_group_policy: 'policy',
  aws_s3_bucket_policy: 'policy',
  aws_kms_key: 'policy',
  aws_secretsmanager_secret_policy: 'policy',
  aws_ecr_repository_policy: 'policy',
};
const POLICY_DOCUMENT_REFERENCE =
  /^\$\{data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)(?:\[[^\]]+\])?\.(?:json|minified_json)\}$/;

/** The policy document data source a policy argument points at. */
function policyDocument(subject: Subject, argument: string): Subject | undefined {
  const raw = subject.resource.body[argument];
  const name = typeof raw === 'string' ? POLICY_DOCUMENT_REFERENCE.exec(raw)?.[1] : undefined;
  return subject.siblings('aws_iam_policy_document', 'data').find((document) => document.resource.name === name);
}

// ---- S3 ---------------------------------------------------------------------------------------------------------

function attachment(subject: Subject, type: string): Subject | undefined {
  return subject
    .siblings(type)
    .find((candidate) => candidate.get('bucket') !== undefined && candidate.mentions(subject.localAddress()));
}

function publicAccessSetting(setting: string, id: string): Policy {
  return {
    id,
    title: `S3 public access block sets ${setting}`,
    types: ['aws_s3_bucket_public_access_block'],
    check: (subject) => requireTrue(subject, setting, 'no ACL or policy can make the bucket public'),
  };
}

function parameterValue(group: Subject, name: string): Value {
  const index = group.blocks('parameter').findIndex((parameter) => parameter.name === name);
  if (index < 0) return undefined;
  const parameter = group.blocks('parameter')[index];
  return parameter ? parameter.value : undefined;
}

function forceSsl(subject: Subject): string | undefined {
  const [argument, groupType] =
    subject.resource.type === 'aws_rds_cluster'
      ? ['db_cluster_parameter_group_name', 'aws_rds_cluster_parameter_group']
      : ['parameter_group_name', 'aws_db_parameter_group'];
  const raw = JSON.stringify(subject.resource.body[argument] ?? '');
  const group = subject
    .siblings(groupType)
    .find((candidate) => raw.includes(`${groupType}.${candidate.resource.name}.`));
  if (!group)
    return `${argument} must point at an ${groupType} of this module that sets rds.force_ssl = 1 (the default group allows plaintext)`;
  const value = parameterValue(group, 'rds.force_ssl');
  return value === '1' || value === 1
    ? undefined
    : `${groupType}.${group.resource.name} must set rds.force_ssl to 1; it is ${value === undefined ? 'not set' : show(value)}`;
}

const EKS_LOG_TYPES = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];

export const POLICIES: Policy[] = [
  // VPC
  {
    id: 'CKV2_AWS_11',
    title: 'VPC flow logging is enabled',
    types: ['aws_vpc'],
    check: (subject) =>
      subject.siblings('aws_flow_log').some((log) => log.mentions(subject.localAddress()))
        ? undefined
        : 'no aws_flow_log in this module records this VPC',
  },
  {
    id: 'CKV2_AWS_12',
    title: 'The default security group restricts all traffic',
    types: ['aws_vpc'],
    check: (subject) => {
      const group = subject
        .siblings('aws_default_security_group')
        .find((candidate) => candidate.mentions(subject.localAddress()));
      if (!group) return 'no aws_default_security_group strips the default rules of this VPC';
      return 'ingress' in group.resource.body || 'egress' in group.resource.body
        ? 'the default security group must have no ingress or egress rules'
        : undefined;
    },
  },
  {
    id: 'CKV_AWS_130',
    title: 'Subnets do not assign public IPs by default',
    types: ['aws_subnet'],
    check: (subject) => {
      const value = subject.get('map_public_ip_on_launch');
      return value === undefined || value === false
        ? undefined
        : `map_public_ip_on_launch must be false; it is ${show(value)}`;
    },
  },
  {
    id: 'CKV_AWS_24',
    title: 'No ingress from the internet to port 22',
    types: SECURITY_GROUP_TYPES,
    check: worldOpenTo(22),
  },
  {
    id: 'CKV_AWS_25',
    title: 'No ingress from the internet to port 3389',
    types: SECURITY_GROUP_TYPES,
    check: worldOpenTo(3389),
  },
  {
    id: 'CKV_AWS_260',
    title: 'No ingress from the internet to port 80',
    types: SECURITY_GROUP_TYPES,
    check: worldOpenTo(80),
  },
  {
    id: 'CKV_AWS_277',
    title: 'No ingress from the internet to all ports',
    types: SECURITY_GROUP_TYPES,
    check: worldOpenTo('all'),
  },
  {
    id: 'CKV_AWS_23',
    title: 'Security groups and their rules are described',
    types: [...SECURITY_GROUP_TYPES, 'aws_vpc_security_group_egress_rule'],
    check: (subject) => {
      if (!isSet(subject.get('description'))) return 'description must say what the group or rule allows';
      const inline = [...subject.blocks('ingress'), ...subject.blocks('egress')];
      return inline.every((rule) => isSet(rule.description))
        ? undefined
        : 'every inline ingress/egress rule needs a description';
    },
  },

  // EKS
  {
    id: 'CKV_AWS_37',
    title: 'EKS control-plane logging covers every log type',
    types: ['aws_eks_cluster'],
    check: (subject) => {
      const value = subject.get('enabled_cluster_log_types');
      const missing = EKS_LOG_TYPES.filter((type) => !(Array.isArray(value) && value.includes(type)));
      return missing.length === 0 ? undefined : `enabled_cluster_log_types lacks ${missing.join(', ')}`;
    },
  },
  {
    id: 'CKV_AWS_38',
    title: 'EKS public endpoint is not open to 0.0.0.0/0',
    types: ['aws_eks_cluster'],
    check: (subject) => {
      if (subject.get('vpc_config.endpoint_public_access') === false) return undefined;
      const cidrs = subject.get('vpc_config.public_access_cidrs');
      if (!Array.isArray(cidrs))
        return `vpc_config.public_access_cidrs must list the allowed networks (without it AWS opens the endpoint to 0.0.0.0/0); it is ${cidrs === undefined ? 'not set' : show(cidrs)}`;
      return cidrs.includes('0.0.0.0/0') ? 'vpc_config.public_access_cidrs contains 0.0.0.0/0' : undefined;
    },
  },
  {
    id: 'CKV_AWS_39',
    title: 'EKS public endpoint is disabled',
    types: ['aws_eks_cluster'],
    check: (subject) => {
      const value = subject.get('vpc_config.endpoint_public_access');
      return value === false
        ? undefined
        : `vpc_config.endpoint_public_access must be false; it is ${value === undefined ? 'not set (defaults to true)' : show(value)}`;
    },
  },
  {
    id: 'CKV_AWS_58',
    title: 'EKS secrets are encrypted with KMS',
    types: ['aws_eks_cluster'],
    check: (subject) => {
      const resources = subject.get('encryption_config.resources');
      if (!(Array.isArray(resources) && resources.includes('secrets')))
        return 'encryption_config.resources must include "secrets"';
      return requireSet(subject, 'encryption_config.provider.key_arn', 'the KMS key that envelope-encrypts Secrets');
    },
  },
  {
    id: 'CKV_AWS_79',
    title: 'Instance metadata requires IMDSv2 tokens',
    types: ['aws_launch_template', 'aws_instance'],
    check: (subject) => {
      const value = subject.get('metadata_options.http_tokens');
      return value === 'required'
        ? undefined
        : `metadata_options.http_tokens must be "required"; it is ${value === undefined ? 'not set' : show(value)}`;
    },
  },
  {
    id: 'CKV_AWS_341',
    title: 'Instance metadata hop limit is 1',
    types: ['aws_launch_template', 'aws_launch_configuration'],
    check: (subject) => {
      const value = subject.get('metadata_options.http_put_response_hop_limit');
      return typeof value === 'number' && value <= 1
        ? undefined
        : `metadata_options.http_put_response_hop_limit must be 1 so containers cannot reach the node's credentials; it is ${value === undefined ? 'not set' : show(value)}`;
    },
  },

  // RDS / Aurora
  {
    id: 'CKV_AWS_16',
    title: 'RDS instance storage is encrypted',
    types: ['aws_db_instance'],
    check: (s) => requireTrue(s, 'storage_encrypted', 'encryption at rest'),
  },
  {
    id: 'CKV_AWS_96',
    title: 'Aurora cluster storage is encrypted',
    types: ['aws_rds_cluster'],
    check: (s) => requireTrue(s, 'storage_encrypted', 'encryption at rest'),
  },
  {
    id: 'CKV_AWS_17',
    title: 'Databases are not publicly accessible',
    types: ['aws_db_instance', 'aws_rds_cluster_instance'],
    check: (subject) => {
      const value = subject.get('publicly_accessible');
      return value === undefined || value === false
        ? undefined
        : `publicly_accessible must be false; it is ${show(value)}`;
    },
  },
  {
    id: 'CKV_AWS_293',
    title: 'RDS instance has deletion protection',
    types: ['aws_db_instance'],
    check: (s) => requireTrue(s, 'deletion_protection', 'a stray destroy cannot drop the database'),
  },
  {
    id: 'CKV_AWS_139',
    title: 'RDS cluster has deletion protection',
    types: ['aws_rds_cluster'],
    check: (s) => requireTrue(s, 'deletion_protection', 'a stray destroy cannot drop the database'),
  },
  {
    id: 'CKV_AWS_133',
    title: 'Database backups are kept at least 7 days',
    types: ['aws_db_instance', 'aws_rds_cluster'],
    check: (subject) => {
      const value = subject.get('backup_retention_period');
      return typeof value === 'number' && value >= 7
        ? undefined
        : `backup_retention_period must be at least 7; it is ${value === undefined ? 'not set (1 day)' : show(value)}`;
    },
  },
  {
    id: 'CKV_AWS_161',
    title: 'RDS instance allows IAM authentication',
    types: ['aws_db_instance'],
    check: (s) =>
      requireTrue(s, 'iam_database_authentication_enabled', 'IAM-issued tokens instead of long-lived passwords'),
  },
  {
    id: 'CKV_AWS_162',
    title: 'RDS cluster allows IAM authentication',
    types: ['aws_rds_cluster'],
    check: (s) =>
      requireTrue(s, 'iam_database_authentication_enabled', 'IAM-issued tokens instead of long-lived passwords'),
  },
  {
    id: 'CKV_AWS_353',
    title: 'Performance Insights is enabled',
    types: ['aws_db_instance', 'aws_rds_cluster_instance'],
    check: (s) => requireTrue(s, 'performance_insights_enabled', 'query-level diagnosis during incidents'),
  },
  {
    id: 'CKV_AWS_354',
    title: 'Performance Insights data is encrypted with a customer-managed key',
    types: ['aws_db_instance', 'aws_rds_cluster_instance'],
    check: (s) => requireSet(s, 'performance_insights_kms_key_id', 'query samples contain data'),
  },
  {
    id: 'CKV_AWS_129',
    title: 'RDS instance exports its logs',
    types: ['aws_db_instance'],
    check: (subject) => {
      const value = subject.get('enabled_cloudwatch_logs_exports');
      return Array.isArray(value) && value.length > 0
        ? undefined
        : 'enabled_cloudwatch_logs_exports must list at least "postgresql"';
    },
  },
  {
    id: 'CKV_AWS_324',
    title: 'RDS cluster exports its logs',
    types: ['aws_rds_cluster'],
    check: (subject) => {
      const value = subject.get('enabled_cloudwatch_logs_exports');
      return Array.isArray(value) && value.length > 0
        ? undefined
        : 'enabled_cloudwatch_logs_exports must list at least "postgresql"';
    },
  },
  {
    id: 'CKV2_AWS_69',
    title: 'Databases refuse connections without TLS',
    types: ['aws_rds_cluster', 'aws_db_instance'],
    check: forceSsl,
  },

  // ElastiCache
  {
    id: 'CKV_AWS_29',
    title: 'ElastiCache is encrypted at rest',
    types: ['aws_elasticache_replication_group'],
    check: (s) => requireTrue(s, 'at_rest_encryption_enabled', 'snapshots and swap hold cached data'),
  },
  {
    id: 'CKV_AWS_30',
    title: 'ElastiCache is encrypted in transit',
    types: ['aws_elasticache_replication_group'],
    check: (s) => requireTrue(s, 'transit_encryption_enabled', 'TLS between pods and the cache'),
  },
  {
    id: 'CKV_AWS_31',
    title: 'ElastiCache requires an AUTH token over TLS',
    types: ['aws_elasticache_replication_group'],
    check: (subject) =>
      requireTrue(subject, 'transit_encryption_enabled', 'AUTH needs TLS') ??
      requireSet(subject, 'auth_token', 'clients must authenticate'),
  },
  {
    id: 'CKV_AWS_191',
    title: 'ElastiCache uses a customer-managed KMS key',
    types: ['aws_elasticache_replication_group'],
    check: (s) => requireSet(s, 'kms_key_id', 'a key this account controls'),
  },
  {
    id: 'CKV_AWS_134',
    title: 'ElastiCache takes automatic snapshots',
    types: ['aws_elasticache_replication_group', 'aws_elasticache_cluster'],
    check: (subject) => {
      const value = subject.get('snapshot_retention_limit');
      return typeof value === 'number' && value > 0
        ? undefined
        : `snapshot_retention_limit must be at least 1; it is ${value === undefined ? 'not set (0)' : show(value)}`;
    },
  },
  {
    id: 'CKV2_AWS_50',
    title: 'ElastiCache fails over automatically across zones',
    types: ['aws_elasticache_replication_group'],
    check: (s) => requireTrue(s, 'automatic_failover_enabled', 'a replica takes over when the primary fails'),
  },

  // DynamoDB
  {
    id: 'CKV_AWS_28',
    title: 'DynamoDB point-in-time recovery is on',
    types: ['aws_dynamodb_table'],
    check: (s) => requireTrue(s, 'point_in_time_recovery.enabled', 'restore to any second of the last 35 days'),
  },
  {
    id: 'CKV_AWS_119',
    title: 'DynamoDB is encrypted with a customer-managed KMS key',
    types: ['aws_dynamodb_table'],
    check: (s) =>
      requireTrue(s, 'server_side_encryption.enabled', 'the AWS-owned key cannot be audited or revoked') ??
      requireSet(s, 'server_side_encryption.kms_key_arn', 'a key this account controls'),
  },

  // ECR
  {
    id: 'CKV_AWS_163',
    title: 'ECR scans images on push',
    types: ['aws_ecr_repository'],
    check: (s) => requireTrue(s, 'image_scanning_configuration.scan_on_push', 'known CVEs are reported before deploy'),
  },
  {
    id: 'CKV_AWS_51',
    title: 'ECR tags are immutable',
    types: ['aws_ecr_repository'],
    check: (subject) => {
      const value = subject.get('image_tag_mutability');
      return value === 'IMMUTABLE' || value === 'IMMUTABLE_WITH_EXCLUSION'
        ? undefined
        : `image_tag_mutability must be IMMUTABLE; it is ${value === undefined ? 'not set (MUTABLE)' : show(value)}`;
    },
  },
  {
    id: 'CKV_AWS_136',
    title: 'ECR is encrypted with KMS',
    types: ['aws_ecr_repository'],
    check: (subject) => {
      const value = subject.get('encryption_configuration.encryption_type');
      return value === 'KMS'
        ? undefined
        : `encryption_configuration.encryption_type must be "KMS"; it is ${value === undefined ? 'not set (AES256)' : show(value)}`;
    },
  },

  // S3 (the state bucket)
  {
    id: 'CKV_AWS_21',
    title: 'S3 versioning is enabled',
    types: ['aws_s3_bucket'],
    check: (subject) => {
      const versioning = attachment(subject, 'aws_s3_bucket_versioning');
      return versioning?.get('versioning_configuration.status') === 'Enabled'
        ? undefined
        : 'needs an aws_s3_bucket_versioning with status "Enabled"';
    },
  },
  {
    id: 'CKV_AWS_145',
    title: 'S3 is encrypted with KMS by default',
    types: ['aws_s3_bucket'],
    check: (subject) => {
      const encryption = attachment(subject, 'aws_s3_bucket_server_side_encryption_configuration');
      const algorithm = encryption?.get('rule.apply_server_side_encryption_by_default.sse_algorithm');
      if (algorithm !== 'aws:kms' && algorithm !== 'aws:kms:dsse')
        return 'needs an aws_s3_bucket_server_side_encryption_configuration with sse_algorithm "aws:kms"';
      return isSet(encryption?.get('rule.apply_server_side_encryption_by_default.kms_master_key_id'))
        ? undefined
        : 'kms_master_key_id must name a customer-managed key';
    },
  },
  {
    id: 'CKV2_AWS_6',
    title: 'S3 bucket has a public access block',
    types: ['aws_s3_bucket'],
    check: (subject) =>
      attachment(subject, 'aws_s3_bucket_public_access_block')
        ? undefined
        : 'needs an aws_s3_bucket_public_access_block',
  },
  publicAccessSetting('block_public_acls', 'CKV_AWS_53'),
  publicAccessSetting('block_public_policy', 'CKV_AWS_54'),
  publicAccessSetting('ignore_public_acls', 'CKV_AWS_55'),
  publicAccessSetting('restrict_public_buckets', 'CKV_AWS_56'),
  {
    id: 'SHIP_S3_TLS_ONLY',
    title: 'S3 bucket policy denies requests without TLS',
    types: ['aws_s3_bucket'],
    check: (subject) => {
      const policy = attachment(subject, 'aws_s3_bucket_policy');
      const document = policy ? policyDocument(policy, 'policy') : undefined;
      const denies = document
        ?.blocks('statement')
        .some(
          (statement) =>
            statement.effect === 'Deny' &&
            blockList(statement.condition).some(
              (condition) =>
                condition.test === 'Bool' &&
                condition.variable === 'aws:SecureTransport' &&
                strings(condition.values).includes('false'),
            ),
        );
      return denies ? undefined : 'needs an aws_s3_bucket_policy whose document denies aws:SecureTransport = false';
    },
  },

  // ECS and its load balancer
  {
    id: 'CKV_AWS_65',
    title: 'ECS clusters have Container Insights on',
    types: ['aws_ecs_cluster'],
    check: (subject) =>
      subject
        .blocks('setting')
        .some(
          (setting) => setting.name === 'containerInsights' && ['enabled', 'enhanced'].includes(String(setting.value)),
        )
        ? undefined
        : 'needs setting { name = "containerInsights", value = "enabled" } (per-task metrics for alarms and capacity)',
  },
  {
    id: 'CKV_AWS_249',
    title: 'ECS task definitions use a task role other than the execution role',
    types: ['aws_ecs_task_definition'],
    check: (subject) => {
      const execution = subject.resource.body.execution_role_arn;
      const task = subject.resource.body.task_role_arn;
      if (task === undefined) return undefined;
      return execution !== undefined && JSON.stringify(execution) === JSON.stringify(task)
        ? 'task_role_arn is the execution role: the code would get image-pull and secret-read rights'
        : undefined;
    },
  },
  {
    id: 'CKV_AWS_336',
    title: 'ECS containers have a read-only root filesystem and are not privileged',
    types: ['aws_ecs_task_definition'],
    check: (subject) => {
      // container_definitions is jsonencode(...) or a JSON string: either way its text shows the settings.
      const text = JSON.stringify(subject.resource.body.container_definitions ?? '');
      if (/privileged\\?"?\s*[=:]\s*true/.test(text)) return 'a container is privileged';
      return /readonlyRootFilesystem\\?"?\s*[=:]\s*true/.test(text)
        ? undefined
        : 'every container needs readonlyRootFilesystem = true (mount a volume where it must write)';
    },
  },
  {
    id: 'CKV_AWS_333',
    title: 'ECS services do not give tasks public IPs',
    types: ['aws_ecs_service'],
    check: (subject) => {
      const value = subject.get('network_configuration.assign_public_ip');
      return value === true
        ? 'network_configuration.assign_public_ip must be false; the ALB is the public entry'
        : undefined;
    },
  },
  {
    id: 'SHIP_ECS_ROLLBACK',
    title: 'ECS services roll back failed deployments (circuit breaker and alarms)',
    types: ['aws_ecs_service'],
    check: (subject) => {
      if (
        subject.get('deployment_circuit_breaker.enable') !== true ||
        subject.get('deployment_circuit_breaker.rollback') !== true
      )
        return 'needs deployment_circuit_breaker { enable = true, rollback = true }';
      if (subject.get('alarms.enable') !== true || subject.get('alarms.rollback') !== true)
        return "needs alarms { enable = true, rollback = true } with the service's 5xx and latency alarms";
      return undefined;
    },
  },
  {
    id: 'CKV_AWS_131',
    title: 'ALBs drop invalid HTTP headers',
    types: ['aws_lb', 'aws_alb'],
    check: (subject) =>
      subject.get('load_balancer_type') === 'network'
        ? undefined
        : requireTrue(subject, 'drop_invalid_header_fields', 'request smuggling through malformed headers'),
  },

  // KMS, logs, secrets
  {
    id: 'CKV_AWS_7',
    title: 'KMS keys rotate',
    types: ['aws_kms_key'],
    check: (s) => requireTrue(s, 'enable_key_rotation', 'yearly rotation limits what one leaked key version decrypts'),
  },
  {
    id: 'CKV_AWS_158',
    title: 'CloudWatch log groups are encrypted with KMS',
    types: ['aws_cloudwatch_log_group'],
    check: (s) => requireSet(s, 'kms_key_id', 'logs can hold request data'),
  },
  {
    id: 'SHIP_LOG_RETENTION',
    title: 'CloudWatch log groups expire',
    types: ['aws_cloudwatch_log_group'],
    check: (subject) => {
      const value = subject.get('retention_in_days');
      return value === UNKNOWN || (typeof value === 'number' && value > 0)
        ? undefined
        : 'retention_in_days must be set; without it logs are kept (and billed) forever';
    },
  },
  {
    id: 'CKV_AWS_149',
    title: 'Secrets Manager secrets use a customer-managed KMS key',
    types: ['aws_secretsmanager_secret'],
    check: (s) => requireSet(s, 'kms_key_id', 'readers need an explicit kms:Decrypt grant'),
  },

  // IAM
  {
    id: 'CKV_AWS_49',
    title: 'No policy allows "*" actions',
    types: ['data.aws_iam_policy_document'],
    check: (subject) =>
      allowStatements(subject).some((statement) => strings(statement.actions).includes('*'))
        ? 'an Allow statement grants action "*"'
        : undefined,
  },
  {
    id: 'SHIP_IAM_SERVICE_WILDCARD',
    title: 'No policy allows every action of a service',
    types: ['data.aws_iam_policy_document'],
    check: (subject) => {
      for (const statement of allowStatements(subject)) {
        const wildcard = strings(statement.actions).find((action) => /^[a-z0-9-]+:\*$/.test(action));
        if (wildcard) return `an Allow statement grants "${wildcard}"; list the actions needed`;
        if ('not_actions' in statement) return 'an Allow statement uses not_actions, which grants everything else';
      }
      return undefined;
    },
  },
  {
    id: 'SHIP_IAM_STAR_PRINCIPAL',
    title: 'No policy allows any principal',
    types: ['data.aws_iam_policy_document'],
    check: (subject) => {
      for (const statement of allowStatements(subject)) {
        for (const principal of [...blockList(statement.principals), ...blockList(statement.not_principals)]) {
          if (principal.type === '*' || strings(principal.identifiers).includes('*'))
            return 'an Allow statement trusts principal "*"';
        }
      }
      return undefined;
    },
  },
  {
    id: 'SHIP_IAM_FEDERATED_SUBJECT',
    title: 'Web-identity trust is pinned to one subject',
    types: ['data.aws_iam_policy_document'],
    check: (subject) => {
      for (const statement of allowStatements(subject)) {
        const federated = blockList(statement.principals).some((principal) => principal.type === 'Federated');
        if (!federated) continue;
        const pinned = blockList(statement.condition).some(
          (condition) =>
            typeof condition.variable === 'string' &&
            condition.variable.endsWith(':sub') &&
            String(condition.test).startsWith('String'),
        );
        if (!pinned)
          return 'a Federated trust statement needs a :sub condition (service account or repository and branch); otherwise any token of the issuer can assume the role';
      }
      return undefined;
    },
  },
  {
    id: 'SHIP_IAM_POLICY_DOCUMENT',
    title: 'Policies are written as aws_iam_policy_document, so the IAM checks see every statement',
    types: Object.keys(POLICY_ARGUMENTS),
    check: (subject) => {
      const argument = POLICY_ARGUMENTS[subject.resource.type] ?? 'policy';
      if (!(argument in subject.resource.body)) return undefined;
      return policyDocument(subject, argument)
        ? undefined
        : `${argument} must be data.aws_iam_policy_document.<name>.json of this module`;
    },
  },
];
