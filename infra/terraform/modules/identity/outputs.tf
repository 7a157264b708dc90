output "issuer" {
  description = "OpenID Connect issuer of the pool's tokens (the services' AUTH_ISSUER); its JWKS is at <issuer>/.well-known/jwks.json."
  value       = "https://${aws_cognito_user_pool.this.endpoint}"
}

output "audience" {
  description = "The app client id: the audience the services check (AUTH_AUDIENCE, in the client_id claim)."
  value       = aws_cognito_user_pool_client.this.id
}

output "user_pool_id" {
  description = "Id of the user pool, for the Cognito API (sign-up, admin-add-user-to-group)."
  value       = aws_cognito_user_pool.this.id
}

output "admin_group" {
  description = "Name of the group whose members are admins."
  value       = aws_cognito_user_group.admin.name
}
