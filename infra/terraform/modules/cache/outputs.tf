output "primary_endpoint" {
  description = "Primary endpoint host (REDIS_HOST); TLS is required."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "port" {
  description = "Redis port."
  value       = aws_elasticache_replication_group.this.port
}

output "auth_secret_name" {
  description = "Secrets Manager entry with the AUTH token, host, port and rediss:// URL."
  value       = aws_secretsmanager_secret.auth.name
}

output "auth_secret_arn" {
  description = "ARN of the AUTH token secret."
  value       = aws_secretsmanager_secret.auth.arn
}

output "security_group_id" {
  description = "Security group of the cache."
  value       = aws_security_group.this.id
}
