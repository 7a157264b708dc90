// The only place a policy may be waived: per root module and resource address, always with the reason. An
// exception that no longer matches a finding is itself reported, so this list cannot rot.
export interface PolicyException {
  policy: string;
  /** Root module directory relative to infra/terraform, e.g. envs/dev. */
  root: string;
  address: string;
  reason: string;
}

export const EXCEPTIONS: PolicyException[] = [
  ...['envs/dev', 'envs/prod'].map((root) => ({
    policy: 'CKV_AWS_39',
    root,
    address: 'module.shipshape.module.eks.aws_eks_cluster.this',
    reason:
      'kubectl from a workstation and deploys from GitHub-hosted runners need the public endpoint; it is limited to ' +
      'eks_public_access_cidrs (CKV_AWS_38 keeps 0.0.0.0/0 out) and turns off when that list is empty.',
  })),
  {
    policy: 'CKV_AWS_139',
    root: 'envs/dev',
    address: 'module.shipshape.module.database.aws_rds_cluster.this',
    reason:
      'dev is created and destroyed daily to save money; deletion protection would make `terraform destroy` fail, so its profile turns it off. Prod keeps the default, on.',
  },
  {
    policy: 'CKV2_AWS_50',
    root: 'envs/dev',
    address: 'module.shipshape.module.cache.aws_elasticache_replication_group.this',
    reason:
      'dev runs a single cache.t4g.micro node to stay within the cost target; failover needs a second node. Prod runs two with Multi-AZ.',
  },
];
