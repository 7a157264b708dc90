output "cluster_name" {
  description = "EKS cluster name: `aws eks update-kubeconfig --region <region> --name <cluster_name>` (null without EKS)."
  value       = one(module.eks[*].cluster_name)
}

output "vpc_id" {
  description = "VPC id, needed by the AWS Load Balancer Controller (--set vpcId) because pods cannot read instance metadata."
  value       = module.network.vpc_id
}

output "ecr_registry" {
  description = "Registry host for `aws ecr get-login-password | docker login`."
  value       = module.ecr.registry
}

output "ecr_repository_urls" {
  description = "Repository URL per service."
  value       = module.ecr.repository_urls
}

output "load_balancer_controller_role_arn" {
  description = "IRSA role for the aws-load-balancer-controller chart (serviceAccount.annotations)."
  value       = module.iam.load_balancer_controller_role_arn
}

output "external_secrets_role_arn" {
  description = "IRSA role for the external-secrets chart (serviceAccount.annotations)."
  value       = module.iam.external_secrets_role_arn
}

output "fluent_bit_role_arn" {
  description = "IRSA role for the aws-for-fluent-bit chart (serviceAccount.annotations)."
  value       = module.observability.fluent_bit_role_arn
}

output "application_log_group" {
  description = "CloudWatch log group Fluent Bit ships container logs to."
  value       = module.observability.application_log_group_name
}

output "ci_deploy_role_arn" {
  description = "Role for the GitHub Actions workflow (role-to-assume)."
  value       = module.iam.ci_deploy_role_arn
}

output "database_endpoint" {
  description = "Aurora writer endpoint."
  value       = module.database.endpoint
}

output "database_master_secret_arn" {
  description = "RDS-managed secret with the master credentials, for creating each service's login once."
  value       = module.database.master_user_secret_arn
}

output "redis_endpoint" {
  description = "ElastiCache primary endpoint (TLS)."
  value       = module.cache.primary_endpoint
}

output "helm_values" {
  description = "Helm values layered on top of values-prod.yaml: `terraform output -raw helm_values > values-aws.yaml`."
  value       = one(module.helm_values[*].yaml)
}

output "ecs" {
  description = "ECS on EC2 (null without it): cluster, service names, the ALB's DNS name, log groups and roles, for docs/deploy-ecs.md."
  value = local.ecs ? {
    cluster_name       = module.ecs[0].cluster_name
    service_names      = module.ecs[0].service_names
    load_balancer      = module.ecs[0].load_balancer_dns_name
    log_groups         = module.ecs[0].log_group_names
    execution_role_arn = module.ecs[0].execution_role_arn
    task_role_arns     = module.ecs[0].task_role_arns
  } : null
}

output "dynamodb_tables" {
  description = "DynamoDB table per service (DYNAMODB_TABLE when its store is dynamodb)."
  value       = { orders = module.dynamodb.table_names["orders"], products = module.dynamodb.table_names["catalog"] }
}

output "game_day_experiment_template_ids" {
  description = "FIS experiment template id per game-day scenario (empty unless profile.game_days.enabled)."
  value       = one(module.fis[*].experiment_template_ids)
}
