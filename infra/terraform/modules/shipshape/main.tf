# One Shipshape environment: the modules wired together once. An environment root calls this with its profile;
# what differs between environments is a value in that profile, never a different wiring.
locals {
  name          = "shipshape-${var.environment}"
  secret_prefix = "shipshape/${var.environment}"
  # Where the services run: EKS (the chart), ECS on EC2 (modules/ecs), or both side by side on the same data.
  eks = var.profile.platforms.eks
  ecs = var.profile.platforms.ecs
  # Security groups the database and cache admit: the EKS cluster's and the ECS tasks'.
  data_clients = compact([one(module.eks[*].cluster_security_group_id), one(module.ecs[*].tasks_security_group_id)])
}

module "observability" {
  source = "../observability"

  name              = local.name
  retention_days    = var.profile.log_retention_days
  oidc_provider_arn = one(module.eks[*].oidc_provider_arn)
  oidc_issuer       = one(module.eks[*].oidc_issuer)
}

module "network" {
  source = "../network"

  name                    = local.name
  cidr                    = var.vpc_cidr
  az_count                = 3
  single_nat_gateway      = var.profile.network.single_nat_gateway
  interface_endpoints     = var.profile.network.interface_endpoints
  flow_log_retention_days = var.profile.log_retention_days
  log_kms_key_arn         = module.observability.kms_key_arn
  cluster_name            = local.name
}

module "eks" {
  source = "../eks"
  count  = local.eks ? 1 : 0

  name                         = local.name
  vpc_id                       = module.network.vpc_id
  subnet_ids                   = module.network.private_app_subnet_ids
  endpoint_public_access_cidrs = var.eks_public_access_cidrs
  admin_principal_arns         = var.eks_admin_principal_arns
  log_kms_key_arn              = module.observability.kms_key_arn
  log_retention_days           = var.profile.log_retention_days
  tags                         = var.tags
  node_group                   = var.profile.nodes
}

module "ecr" {
  source = "../ecr"

  name = local.name
  # Without deletion protection, `terraform destroy` also deletes repositories that still hold images.
  force_delete = !var.profile.deletion_protection
}

module "database" {
  source = "../database"

  name                       = local.name
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_data_subnet_ids
  allowed_security_group_ids = local.data_clients
  deletion_protection        = var.profile.deletion_protection
  backup_retention_days      = var.profile.database.backup_retention_days
  log_kms_key_arn            = module.observability.kms_key_arn
  log_retention_days         = var.profile.log_retention_days

  capacity = {
    min_acu   = var.profile.database.min_acu
    max_acu   = var.profile.database.max_acu
    instances = var.profile.database.instances
  }
}

module "secrets" {
  source = "../secrets"

  name                 = local.name
  secret_prefix        = local.secret_prefix
  recovery_window_days = var.profile.secret_recovery_window_days

  database = {
    host = module.database.endpoint
    port = module.database.port
    name = module.database.database_name
  }
}

module "identity" {
  source = "../identity"

  name                = local.name
  deletion_protection = var.profile.deletion_protection
}

module "cache" {
  source = "../cache"

  name                       = local.name
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_data_subnet_ids
  allowed_security_group_ids = local.data_clients
  multi_az                   = var.profile.cache.multi_az
  snapshot_retention_days    = var.profile.cache.snapshot_retention_days
  auth_secret_name           = "${local.secret_prefix}/redis"
  recovery_window_days       = var.profile.secret_recovery_window_days
  secrets_kms_key_arn        = module.secrets.kms_key_arn
  log_kms_key_arn            = module.observability.kms_key_arn
  log_retention_days         = var.profile.log_retention_days
}

module "dynamodb" {
  source = "../dynamodb"

  name                = local.name
  deletion_protection = var.profile.deletion_protection
}

module "iam" {
  source = "../iam"

  name = local.name

  cluster = local.eks ? {
    name              = module.eks[0].cluster_name
    arn               = module.eks[0].cluster_arn
    oidc_provider_arn = module.eks[0].oidc_provider_arn
    oidc_issuer       = module.eks[0].oidc_issuer
  } : null

  service_tables = {
    orders   = { table_arn = module.dynamodb.table_arns["orders"], kms_key_arn = module.dynamodb.kms_key_arn }
    products = { table_arn = module.dynamodb.table_arns["catalog"], kms_key_arn = module.dynamodb.kms_key_arn }
  }

  secrets = {
    prefix       = local.secret_prefix
    kms_key_arns = [module.secrets.kms_key_arn, module.database.kms_key_arn]
    extra_arns   = [module.database.master_user_secret_arn]
  }

  ecr_repository_arns = values(module.ecr.repository_arns)
  ecs_cluster         = local.ecs ? local.name : null
  # The deploy workflow's jobs for this environment run in the GitHub environment of the same name.
  github = merge(var.github, { environment = coalesce(var.github.environment, var.environment) })
}

module "helm_values" {
  source = "../helm-values"
  count  = local.eks ? 1 : 0

  region                     = var.region
  redis                      = { host = module.cache.primary_endpoint, port = module.cache.port }
  data_subnet_cidrs          = module.network.private_data_subnet_cidrs
  load_balancer_subnet_cidrs = module.network.public_subnet_cidrs
  certificate_arn            = var.certificate_arn
  log_group                  = { name = module.observability.application_log_group_name }
  dynamodb = {
    tables = { orders = module.dynamodb.table_names["orders"], products = module.dynamodb.table_names["catalog"] }
    stores = var.profile.stores
  }
  secrets = {
    database    = module.secrets.database_secret_names
    redis       = module.cache.auth_secret_name
    service_key = module.secrets.service_key_secret_name
    acceptance  = module.secrets.acceptance_secret_name
    conduit_jwt = module.secrets.conduit_jwt_secret_name
  }
  identity = {
    issuer            = module.identity.issuer
    audience          = module.identity.audience
    admin_group       = module.identity.admin_group
    orders_public_key = var.service_identity.orders_public_key
  }

  services = {
    for service, url in module.ecr.repository_urls : service => {
      repository_url = url
      role_arn       = module.iam.service_role_arns[service]
    }
  }
}

module "ecs" {
  source = "../ecs"
  count  = local.ecs ? 1 : 0

  name   = local.name
  region = var.region

  network = {
    vpc_id             = module.network.vpc_id
    public_subnet_ids  = module.network.public_subnet_ids
    private_subnet_ids = module.network.private_app_subnet_ids
  }

  instances     = var.profile.ecs.instances
  load_balancer = { certificate_arn = var.certificate_arn, http_cidrs = var.profile.ecs.http_cidrs }
  logs          = { kms_key_arn = module.observability.kms_key_arn, retention_days = var.profile.log_retention_days }

  secrets_kms_key_arns = [module.secrets.kms_key_arn]
  dynamodb_kms_key_arn = module.dynamodb.kms_key_arn

  services = {
    for service, url in module.ecr.repository_urls : service => {
      image              = "${url}:${var.image_tag}"
      port               = local.service_ports[service]
      desired_count      = var.profile.ecs.desired_count
      environment        = local.ecs_environment[service]
      secrets            = local.ecs_secrets[service]
      dynamodb_table_arn = lookup(local.dynamodb_table_arns, service, null)
    }
  }
}

# Game days on AWS: FIS experiment templates, off unless the profile turns them on (docs/gameday.md).
module "fis" {
  source = "../fis"
  count  = var.profile.game_days.enabled ? 1 : 0

  name                 = local.name
  database_cluster_arn = module.database.cluster_arn
  log_group_names = setunion(
    local.eks ? [module.observability.application_log_group_name] : [],
    local.ecs ? values(module.ecs[0].log_group_names) : [],
  )
  kms_key_arn        = module.observability.kms_key_arn
  log_retention_days = var.profile.log_retention_days
  eks                = local.eks ? { cluster_arn = module.eks[0].cluster_arn } : null
  ecs                = local.ecs ? { cluster_name = module.ecs[0].cluster_name } : null
  stop_condition     = { error_lines_per_minute = var.profile.game_days.error_lines_per_minute }
}
