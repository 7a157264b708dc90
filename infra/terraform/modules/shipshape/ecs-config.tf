# The services' configuration on ECS: the same env names the chart sets, from each service's config schema
# (services/<name>/src/config.ts; npm run check:terraform verifies every name here is one the service accepts).
# Secrets are Secrets Manager references that ECS resolves at task start.
locals {
  service_ports = { gateway = 3000, users = 3001, products = 3002, orders = 3003, conduit = 3004 }

  # A service whose store is DynamoDB gets its own table (and its task role may use that table only).
  dynamodb_table_arns = {
    for service, table in { orders = "orders", products = "catalog" } : service => module.dynamodb.table_arns[table]
    if var.profile.stores[service] == "dynamodb"
  }

  # Every service verifies Cognito access tokens itself (AUTH_*); users and products trust orders' service key.
  jwks_url        = "${module.identity.issuer}/.well-known/jwks.json"
  trusted_callers = "orders=${var.service_identity.orders_public_key}"

  ecs_environment = {
    gateway = {
      AUTH_ISSUER         = module.identity.issuer
      AUTH_AUDIENCE       = module.identity.audience
      AUTH_AUDIENCE_CLAIM = "client_id"
      AUTH_JWKS_URL       = local.jwks_url
      AUTH_ROLES_CLAIM    = "cognito:groups"
      AUTH_ADMIN_ROLE     = module.identity.admin_group
      LOG_LEVEL           = "info"
      REDIS_HOST          = module.cache.primary_endpoint
      REDIS_PORT          = tostring(module.cache.port)
      REDIS_TLS           = "true"
      USERS_URL           = "http://users:3001"
      PRODUCTS_URL        = "http://products:3002"
      ORDERS_URL          = "http://orders:3003"
      CONDUIT_URL         = "http://conduit:3004"
      TRUST_PROXY         = "1"
    }
    users = {
      AUTH_ISSUER             = module.identity.issuer
      AUTH_AUDIENCE           = module.identity.audience
      AUTH_AUDIENCE_CLAIM     = "client_id"
      AUTH_JWKS_URL           = local.jwks_url
      AUTH_ROLES_CLAIM        = "cognito:groups"
      AUTH_ADMIN_ROLE         = module.identity.admin_group
      SERVICE_TRUSTED_CALLERS = local.trusted_callers
      LOG_LEVEL               = "info"
      DATABASE_SSL            = "require"
      REDIS_HOST              = module.cache.primary_endpoint
      REDIS_PORT              = tostring(module.cache.port)
      REDIS_TLS               = "true"
    }
    products = {
      AUTH_ISSUER             = module.identity.issuer
      AUTH_AUDIENCE           = module.identity.audience
      AUTH_AUDIENCE_CLAIM     = "client_id"
      AUTH_JWKS_URL           = local.jwks_url
      AUTH_ROLES_CLAIM        = "cognito:groups"
      AUTH_ADMIN_ROLE         = module.identity.admin_group
      SERVICE_TRUSTED_CALLERS = local.trusted_callers
      LOG_LEVEL               = "info"
      DATABASE_SSL            = "require"
      REDIS_HOST              = module.cache.primary_endpoint
      REDIS_PORT              = tostring(module.cache.port)
      REDIS_TLS               = "true"
      STORE                   = var.profile.stores.products
      DYNAMODB_TABLE          = module.dynamodb.table_names["catalog"]
      AWS_REGION              = var.region
    }
    orders = {
      AUTH_ISSUER         = module.identity.issuer
      AUTH_AUDIENCE       = module.identity.audience
      AUTH_AUDIENCE_CLAIM = "client_id"
      AUTH_JWKS_URL       = local.jwks_url
      AUTH_ROLES_CLAIM    = "cognito:groups"
      AUTH_ADMIN_ROLE     = module.identity.admin_group
      LOG_LEVEL           = "info"
      DATABASE_SSL        = "require"
      USERS_URL           = "http://users:3001"
      PRODUCTS_URL        = "http://products:3002"
      STORE               = var.profile.stores.orders
      DYNAMODB_TABLE      = module.dynamodb.table_names["orders"]
      AWS_REGION          = var.region
    }
    conduit = {
      LOG_LEVEL    = "info"
      DATABASE_SSL = "require"
      REDIS_HOST   = module.cache.primary_endpoint
      REDIS_PORT   = tostring(module.cache.port)
      REDIS_TLS    = "true"
    }
  }

  ecs_secrets = {
    gateway = {
      REDIS_PASSWORD = "${module.cache.auth_secret_arn}:password::"
    }
    users = {
      DATABASE_URL   = "${module.secrets.database_secret_arns["users"]}:url::"
      REDIS_PASSWORD = "${module.cache.auth_secret_arn}:password::"
    }
    products = {
      DATABASE_URL   = "${module.secrets.database_secret_arns["products"]}:url::"
      REDIS_PASSWORD = "${module.cache.auth_secret_arn}:password::"
    }
    orders = {
      DATABASE_URL        = "${module.secrets.database_secret_arns["orders"]}:url::"
      SERVICE_PRIVATE_KEY = "${module.secrets.service_key_secret_arn}:private_key::"
    }
    conduit = {
      DATABASE_URL       = "${module.secrets.database_secret_arns["conduit"]}:url::"
      CONDUIT_JWT_SECRET = "${module.secrets.conduit_jwt_secret_arn}:CONDUIT_JWT_SECRET::"
      REDIS_PASSWORD     = "${module.cache.auth_secret_arn}:password::"
    }
  }
}
