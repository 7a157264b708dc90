output "region" {
  description = "Region of the environment."
  value       = var.region
}

output "cluster_name" {
  description = "EKS cluster name: `aws eks update-kubeconfig --region <region> --name <cluster_name>`."
  value       = module.shipshape.cluster_name
}

output "vpc_id" {
  description = "VPC id, needed by the AWS Load Balancer Controller (--set vpcId) because pods cannot read instance metadata."
  value       = module.shipshape.vpc_id
}

output "ecr_registry" {
  description = "Registry host for `aws ecr get-login-password | docker login`."
  value       = module.shipshape.ecr_registry
}

output "ecr_repository_urls" {
  description = "Repository URL per service."
  value       = module.shipshape.ecr_repository_urls
}

output "load_balancer_controller_role_arn" {
  description = "IRSA role for the aws-load-balancer-controller chart (serviceAccount.annotations)."
  value       = module.shipshape.load_balancer_controller_role_arn
}

output "external_secrets_role_arn" {
  description = "IRSA role for the external-secrets chart (serviceAccount.annotations)."
  value       = module.shipshape.external_secrets_role_arn
}

output "fluent_bit_role_arn" {
  description = "IRSA role for the aws-for-fluent-bit chart (serviceAccount.annotations)."
  value       = module.shipshape.fluent_bit_role_arn
}

output "application_log_group" {
  description = "CloudWatch log group Fluent Bit ships container logs to."
  value       = module.shipshape.application_log_group
}

output "ci_deploy_role_arn" {
  description = "Role for the GitHub Actions workflow (role-to-assume)."
  value       = module.shipshape.ci_deploy_role_arn
}

output "database_endpoint" {
  description = "Aurora writer endpoint."
  value       = module.shipshape.database_endpoint
}

output "database_master_secret_arn" {
  description = "RDS-managed secret with the master credentials, for creating each service's login once."
  value       = module.shipshape.database_master_secret_arn
}

output "redis_endpoint" {
  description = "ElastiCache primary endpoint (TLS)."
  value       = module.shipshape.redis_endpoint
}

output "helm_values" {
  description = "Helm values layered on top of values-prod.yaml: `terraform output -raw helm_values > values-aws.yaml`."
  value       = module.shipshape.helm_values
}

output "ecs" {
  description = "ECS on EC2 when platforms.ecs is on: cluster, service names, ALB DNS name, log groups, roles (docs/deploy-ecs.md)."
  value       = module.shipshape.ecs
}

output "dynamodb_tables" {
  description = "DynamoDB table per service, for STORE=dynamodb."
  value       = module.shipshape.dynamodb_tables
}
