output "kms_key_arn" {
  description = "KMS key of the application secrets; readers need kms:Decrypt on it through Secrets Manager."
  value       = aws_kms_key.this.arn
}

output "secret_prefix" {
  description = "Path all application secrets live under."
  value       = var.secret_prefix
}

output "database_secret_names" {
  description = "Secrets Manager name of each service's PostgreSQL login (keys: username, password, host, port, dbname, url)."
  value       = { for service, secret in aws_secretsmanager_secret.database : service => secret.name }
}

output "service_key_secret_name" {
  description = "Secrets Manager name of orders' service key (key: private_key)."
  value       = aws_secretsmanager_secret.service_key.name
}

output "acceptance_secret_name" {
  description = "Secrets Manager name of the acceptance tokens (keys: admin_token, user_token)."
  value       = aws_secretsmanager_secret.acceptance.name
}

output "database_secret_arns" {
  description = "Secrets Manager ARN of each service's PostgreSQL login, for ECS task secrets (\"<arn>:url::\")."
  value       = { for service, secret in aws_secretsmanager_secret.database : service => secret.arn }
}

output "service_key_secret_arn" {
  description = "Secrets Manager ARN of orders' service key, for ECS task secrets (\"<arn>:private_key::\")."
  value       = aws_secretsmanager_secret.service_key.arn
}

output "conduit_jwt_secret_name" {
  description = "Secrets Manager name of the conduit token key (key: CONDUIT_JWT_SECRET)."
  value       = aws_secretsmanager_secret.conduit_jwt.name
}

output "conduit_jwt_secret_arn" {
  description = "Secrets Manager ARN of the conduit token key, for ECS task secrets (\"<arn>:CONDUIT_JWT_SECRET::\")."
  value       = aws_secretsmanager_secret.conduit_jwt.arn
}
