output "experiment_template_ids" {
  description = "Experiment template id per scenario: `aws fis start-experiment --experiment-template-id <id>`."
  value = merge(
    { "postgres-connections-killed" = aws_fis_experiment_template.database_failover.id },
    var.eks == null ? {} : {
      "service-killed"  = aws_fis_experiment_template.pod_delete[0].id
      "slow-dependency" = aws_fis_experiment_template.orders_latency[0].id
    },
    var.ecs == null ? {} : { "service-killed-ecs" = aws_fis_experiment_template.task_stop[0].id },
  )
}

output "stop_alarm_name" {
  description = "CloudWatch alarm that stops every running experiment."
  value       = aws_cloudwatch_metric_alarm.stop.alarm_name
}

output "role_arn" {
  description = "Role FIS assumes; the EKS pod actions also need it mapped to the Kubernetes service account's RBAC."
  value       = aws_iam_role.fis.arn
}
