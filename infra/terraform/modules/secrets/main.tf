resource "aws_kms_key" "this" {
  description             = "${var.name} application secrets"
  enable_key_rotation     = true
  deletion_window_in_days = 7
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-secrets"
  target_key_id = aws_kms_key.this.key_id
}

# One PostgreSQL login per service, so a leaked credential reaches one schema. The database bootstrap job creates
# the roles from these secrets with the RDS-managed master credentials; services never see the master password.
resource "random_password" "database" {
  for_each = var.database.services

  length  = 40
  special = false
}

resource "aws_secretsmanager_secret" "database" {
  for_each = var.database.services

  name                    = "${var.secret_prefix}/db/${each.key}"
  description             = "PostgreSQL login of the ${each.key} service"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.recovery_window_days
}

resource "aws_secretsmanager_secret_version" "database" {
  for_each = var.database.services

  secret_id = aws_secretsmanager_secret.database[each.key].id
  secret_string = jsonencode({
    username = each.key
    password = random_password.database[each.key].result
    host     = var.database.host
    port     = var.database.port
    dbname   = var.database.name
    url      = "postgres://${each.key}:${random_password.database[each.key].result}@${var.database.host}:${var.database.port}/${var.database.name}?sslmode=require"
  })
}

# HS256 key shared by the services that issue and verify admin tokens.
resource "random_password" "jwt" {
  length  = 64
  special = false
}

resource "aws_secretsmanager_secret" "jwt" {
  name                    = "${var.secret_prefix}/jwt"
  description             = "HS256 signing key for Shipshape admin tokens (JWT_SECRET)"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.recovery_window_days
}

resource "aws_secretsmanager_secret_version" "jwt" {
  secret_id     = aws_secretsmanager_secret.jwt.id
  secret_string = jsonencode({ JWT_SECRET = random_password.jwt.result })
}

# HS256 key of the RealWorld API (conduit): it signs and verifies the tokens it issues at registration and login.
resource "random_password" "conduit_jwt" {
  length  = 64
  special = false
}

resource "aws_secretsmanager_secret" "conduit_jwt" {
  name                    = "${var.secret_prefix}/conduit-jwt"
  description             = "HS256 signing key for the RealWorld (conduit) user tokens (CONDUIT_JWT_SECRET)"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.recovery_window_days
}

resource "aws_secretsmanager_secret_version" "conduit_jwt" {
  secret_id     = aws_secretsmanager_secret.conduit_jwt.id
  secret_string = jsonencode({ CONDUIT_JWT_SECRET = random_password.conduit_jwt.result })
}
