locals {
  major_version = split(".", var.engine_version)[0]
}

# CKV_AWS_191: data at rest is encrypted with a key this account controls.
resource "aws_kms_key" "this" {
  description             = "${var.name} ElastiCache"
  enable_key_rotation     = true
  deletion_window_in_days = 7
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-elasticache"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_elasticache_subnet_group" "this" {
  name        = var.name
  description = "Private data subnets for ${var.name}"
  subnet_ids  = var.subnet_ids
}

resource "aws_elasticache_parameter_group" "this" {
  name        = "${var.name}-redis${local.major_version}"
  family      = "redis${local.major_version}"
  description = "Shipshape settings for ${var.name}"

  # A cache: evict the least recently used keys instead of failing writes when memory is full.
  parameter {
    name  = "maxmemory-policy"
    value = "allkeys-lru"
  }
}

resource "aws_cloudwatch_log_group" "slow_log" {
  name              = "/aws/elasticache/${var.name}/slow-log"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
}

# AUTH token: printable, without the characters ElastiCache rejects (@, ", /).
resource "random_password" "auth" {
  length           = 48
  special          = true
  override_special = "!&#$^<>-"
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id = var.name
  description          = "Shipshape cache for ${var.name}"
  engine               = "redis"
  engine_version       = var.engine_version
  node_type            = var.node_type
  port                 = 6379
  parameter_group_name = aws_elasticache_parameter_group.this.name
  subnet_group_name    = aws_elasticache_subnet_group.this.name
  security_group_ids   = [aws_security_group.this.id]

  num_cache_clusters = var.multi_az ? 2 : 1
  # CKV2_AWS_50: with a replica in another zone, a primary failure promotes it within a minute or two.
  automatic_failover_enabled = var.multi_az
  multi_az_enabled           = var.multi_az

  # CKV_AWS_29 / CKV_AWS_30 / CKV_AWS_31: encrypted at rest and in transit, and clients must present the token.
  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.this.arn
  transit_encryption_enabled = true
  transit_encryption_mode    = "required"
  auth_token                 = random_password.auth.result

  # CKV_AWS_134: daily snapshots.
  snapshot_retention_limit   = var.snapshot_retention_days
  snapshot_window            = "01:00-02:00"
  maintenance_window         = "sun:04:30-sun:05:30"
  auto_minor_version_upgrade = true

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.slow_log.name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }
}

resource "aws_secretsmanager_secret" "auth" {
  name                    = var.auth_secret_name
  description             = "AUTH token and TLS endpoint of ${var.name} ElastiCache"
  kms_key_id              = var.secrets_kms_key_arn
  recovery_window_in_days = var.recovery_window_days
}

resource "aws_secretsmanager_secret_version" "auth" {
  secret_id = aws_secretsmanager_secret.auth.id
  secret_string = jsonencode({
    host     = aws_elasticache_replication_group.this.primary_endpoint_address
    port     = aws_elasticache_replication_group.this.port
    password = random_password.auth.result
    tls      = true
    url      = "rediss://:${urlencode(random_password.auth.result)}@${aws_elasticache_replication_group.this.primary_endpoint_address}:${aws_elasticache_replication_group.this.port}"
  })
}
