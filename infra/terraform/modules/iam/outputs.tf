output "service_role_arns" {
  description = "IRSA role ARN per service, for each chart block's serviceAccount annotation."
  value       = var.cluster == null ? {} : { for service in keys(var.service_accounts) : service => aws_iam_role.irsa["svc-${service}"].arn }
}

output "load_balancer_controller_role_arn" {
  description = "IRSA role ARN for the aws-load-balancer-controller service account in kube-system."
  value       = try(aws_iam_role.irsa["load-balancer-controller"].arn, null)
}

output "external_secrets_role_arn" {
  description = "IRSA role ARN for the external-secrets service account in the external-secrets namespace."
  value       = try(aws_iam_role.irsa["external-secrets"].arn, null)
}

output "ci_deploy_role_arn" {
  description = "Role the GitHub Actions workflow assumes (aws-actions/configure-aws-credentials role-to-assume)."
  value       = aws_iam_role.ci_deploy.arn
}
