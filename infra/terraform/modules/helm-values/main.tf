# Renders the chart's AWS layer in the shape of deploy/helm/shipshape/values.schema.json, so both environments
# hand Helm the same structure. It creates nothing.
locals {
  secret_data = merge(
    {
      for service, name in var.secrets.database : "${service}-database-url" => {
        remoteKey = name
        property  = "url"
      }
    },
    {
      redis-password         = { remoteKey = var.secrets.redis, property = "password" }
      orders-service-key     = { remoteKey = var.secrets.service_key, property = "private_key" }
      acceptance-admin-token = { remoteKey = var.secrets.acceptance, property = "admin_token" }
      acceptance-user-token  = { remoteKey = var.secrets.acceptance, property = "user_token" }
      conduit-jwt-secret     = { remoteKey = var.secrets.conduit_jwt, property = "CONDUIT_JWT_SECRET" }
    },
  )

  values = merge(
    {
      for service, settings in var.services : service => merge({
        image = { repository = settings.repository_url }
        serviceAccount = {
          annotations = { "eks.amazonaws.com/role-arn" = settings.role_arn }
        }
      }, contains(["orders", "products"], service) ? { store = var.dynamodb.stores[service] } : {})
    },
    {
      # Cognito access tokens: the audience is the app client id (client_id claim), roles are the user's groups.
      auth = {
        issuer        = var.identity.issuer
        audience      = var.identity.audience
        audienceClaim = "client_id"
        rolesClaim    = "cognito:groups"
        adminRole     = var.identity.admin_group
      }
      serviceIdentity = { ordersPublicKey = var.identity.orders_public_key }
      externalSecrets = {
        enabled        = true
        secretStoreRef = { kind = "ClusterSecretStore", name = "aws-secrets-manager" }
        data           = local.secret_data
      }
      dynamodb = {
        region = var.region
        tables = var.dynamodb.tables
      }
      # DATABASE_URL in each service's secret names the host; the chart only needs where to allow egress to.
      database = {
        ssl   = "require"
        cidrs = var.data_subnet_cidrs
      }
      redis = {
        host  = var.redis.host
        port  = var.redis.port
        tls   = true
        cidrs = var.data_subnet_cidrs
      }
      networkPolicy = {
        ingressFrom = [for cidr in var.load_balancer_subnet_cidrs : { ipBlock = { cidr = cidr } }]
      }
      ingress = {
        enabled = true
        alb     = { certificateArn = var.certificate_arn }
      }
      logging = {
        enabled = true
        shipper = "fluent-bit-cloudwatch"
        cloudwatch = {
          region       = var.region
          logGroupName = var.log_group.name
        }
      }
    },
  )
}
