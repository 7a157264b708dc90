output "cluster_name" {
  description = "ECS cluster name (aws ecs list-services --cluster <name>)."
  value       = aws_ecs_cluster.this.name
}

output "load_balancer_dns_name" {
  description = "DNS name of the public ALB in front of the gateway; point the environment's domain at it (alias record)."
  value       = aws_lb.this.dns_name
}

output "tasks_security_group_id" {
  description = "Security group of every task; the database and cache allow it."
  value       = aws_security_group.tasks.id
}

output "service_names" {
  description = "ECS service name per Shipshape service (aws ecs update-service --service <name>)."
  value       = { for name, service in aws_ecs_service.service : name => service.name }
}

output "task_role_arns" {
  description = "Task role ARN per service (what its code may do in AWS)."
  value       = { for name, role in aws_iam_role.task : name => role.arn }
}

output "execution_role_arn" {
  description = "Execution role of every task (image pull, secrets, logs); the deploy workflow passes it to new task definition revisions."
  value       = aws_iam_role.execution.arn
}

output "log_group_names" {
  description = "CloudWatch log group per service."
  value       = { for name, group in aws_cloudwatch_log_group.service : name => group.name }
}
