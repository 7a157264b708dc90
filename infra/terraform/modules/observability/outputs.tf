output "kms_key_arn" {
  description = "ARN of the KMS key for CloudWatch log groups; pass it to every module that creates a log group."
  value       = aws_kms_key.logs.arn
}

output "application_log_group_name" {
  description = "Log group Fluent Bit writes container logs to."
  value       = aws_cloudwatch_log_group.application.name
}

output "dataplane_log_group_name" {
  description = "Log group Fluent Bit writes node (kubelet, containerd) logs to."
  value       = aws_cloudwatch_log_group.dataplane.name
}

output "fluent_bit_role_arn" {
  description = "IRSA role ARN to annotate the Fluent Bit service account with (null without EKS)."
  value       = one(aws_iam_role.fluent_bit[*].arn)
}

output "retention_days" {
  description = "Days the application log group keeps logs."
  value       = aws_cloudwatch_log_group.application.retention_in_days
}
