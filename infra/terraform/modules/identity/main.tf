# Who the users are: a Cognito user pool whose access tokens every service verifies (issuer + app client id), and the
# group that makes an admin. See docs/decisions/0004-identity-and-authorization.md for the choices.
resource "aws_cognito_user_pool" "this" {
  name                     = var.name
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  deletion_protection      = var.deletion_protection ? "ACTIVE" : "INACTIVE"
  mfa_configuration        = "OPTIONAL"

  username_configuration {
    case_sensitive = false
  }

  software_token_mfa_configuration {
    enabled = true
  }

  password_policy {
    minimum_length                   = 12
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = false
    temporary_password_validity_days = 3
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }
}

# The API's client: public (no secret, so apps and the SDK can use it), SRP sign-in and refresh tokens only, no hosted
# UI. Its id is the audience the services check (Cognito access tokens carry it in client_id).
resource "aws_cognito_user_pool_client" "this" {
  name                          = "${var.name}-api"
  user_pool_id                  = aws_cognito_user_pool.this.id
  generate_secret               = false
  explicit_auth_flows           = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true
  access_token_validity         = var.token_lifetimes.access_minutes
  id_token_validity             = var.token_lifetimes.id_minutes
  refresh_token_validity        = var.token_lifetimes.refresh_days

  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }
}

# Members carry "admin" in cognito:groups, the services' AUTH_ROLES_CLAIM on AWS.
resource "aws_cognito_user_group" "admin" {
  name         = "admin"
  user_pool_id = aws_cognito_user_pool.this.id
  description  = "Shipshape admins: list users, act on any user's records, write the catalog."
}
