output "endpoint" {
  description = "Writer endpoint (POSTGRES_HOST)."
  value       = aws_rds_cluster.this.endpoint
}

output "reader_endpoint" {
  description = "Reader endpoint; the same as the writer until a second instance exists."
  value       = aws_rds_cluster.this.reader_endpoint
}

output "port" {
  description = "PostgreSQL port."
  value       = aws_rds_cluster.this.port
}

output "database_name" {
  description = "Database created with the cluster (POSTGRES_DB)."
  value       = aws_rds_cluster.this.database_name
}

output "cluster_resource_id" {
  description = "Cluster resource id, for rds-db:connect IAM authentication policies."
  value       = aws_rds_cluster.this.cluster_resource_id
}

output "master_user_secret_arn" {
  description = "Secrets Manager secret RDS keeps the master credentials in (used only by the database bootstrap job)."
  value       = aws_rds_cluster.this.master_user_secret[0].secret_arn
}

output "kms_key_arn" {
  description = "KMS key of the storage and the master secret; readers of that secret need kms:Decrypt on it."
  value       = aws_kms_key.this.arn
}

output "security_group_id" {
  description = "Security group of the cluster."
  value       = aws_security_group.this.id
}

output "cluster_arn" {
  description = "Cluster ARN, for the failover experiment of the game days (modules/fis)."
  value       = aws_rds_cluster.this.arn
}
