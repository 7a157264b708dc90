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

# orders' Ed25519 private key for its calls to users and products (SERVICE_PRIVATE_KEY, JSON property private_key).
# Terraform makes the entry but never the key, so it stays out of the state: `npm run token -- --service-key` prints a
# pair; put the private half here and give the public half to the stack (service_identity.orders_public_key).
resource "aws_secretsmanager_secret" "service_key" {
  name                    = "${var.secret_prefix}/service-keys/orders"
  description             = "Ed25519 private key orders signs its calls to users and products with (SERVICE_PRIVATE_KEY)"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.recovery_window_days
}

# Tokens `helm test` runs the acceptance suite with (JSON properties admin_token and user_token), from the user pool.
resource "aws_secretsmanager_secret" "acceptance" {
  name                    = "${var.secret_prefix}/acceptance"
  description             = "Cognito access tokens of an admin and of a test user without a record, for helm test"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.recovery_window_days
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
