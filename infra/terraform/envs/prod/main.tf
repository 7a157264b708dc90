locals {
  environment   = "prod"
  name          = "shipshape-${local.environment}"
  secret_prefix = "shipshape/${local.environment}"

  # The one place tags are set: the provider stamps them on every resource it creates.
  tags = {
    Project     = "shipshape"
    Environment = local.environment
    ManagedBy   = "terraform"
    Repository  = var.github.repository
  }
}

provider "aws" {
  region              = var.region
  allowed_account_ids = [var.account_id]

  default_tags {
    tags = local.tags
  }
}

module "observability" {
  source = "../../modules/observability"

  name              = local.name
  retention_days    = 90
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer       = module.eks.oidc_issuer
}

module "network" {
  source = "../../modules/network"

  name                    = local.name
  cidr                    = var.vpc_cidr
  az_count                = 3
  single_nat_gateway      = false
  interface_endpoints     = ["ecr.api", "ecr.dkr", "sts", "secretsmanager", "logs"]
  flow_log_retention_days = 90
  log_kms_key_arn         = module.observability.kms_key_arn
  cluster_name            = local.name
}

module "eks" {
  source = "../../modules/eks"

  name                         = local.name
  vpc_id                       = module.network.vpc_id
  subnet_ids                   = module.network.private_app_subnet_ids
  endpoint_public_access_cidrs = var.eks_public_access_cidrs
  admin_principal_arns         = var.eks_admin_principal_arns
  log_kms_key_arn              = module.observability.kms_key_arn
  log_retention_days           = 90
  tags                         = local.tags

  node_group = {
    instance_types = ["t3.medium"]
    desired_size   = 3
    min_size       = 3
    max_size       = 6
  }
}

module "ecr" {
  source = "../../modules/ecr"

  name         = local.name
  force_delete = false
}

module "database" {
  source = "../../modules/database"

  name                       = local.name
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_data_subnet_ids
  allowed_security_group_ids = [module.eks.cluster_security_group_id]
  deletion_protection        = true
  backup_retention_days      = 14
  log_kms_key_arn            = module.observability.kms_key_arn
  log_retention_days         = 90

  capacity = {
    min_acu   = 1
    max_acu   = 8
    instances = 2
  }
}

module "secrets" {
  source = "../../modules/secrets"

  name                 = local.name
  secret_prefix        = local.secret_prefix
  recovery_window_days = 30

  database = {
    host = module.database.endpoint
    port = module.database.port
    name = module.database.database_name
  }
}

module "cache" {
  source = "../../modules/cache"

  name                       = local.name
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_data_subnet_ids
  allowed_security_group_ids = [module.eks.cluster_security_group_id]
  multi_az                   = true
  snapshot_retention_days    = 7
  auth_secret_name           = "${local.secret_prefix}/redis"
  recovery_window_days       = 30
  secrets_kms_key_arn        = module.secrets.kms_key_arn
  log_kms_key_arn            = module.observability.kms_key_arn
  log_retention_days         = 90
}

module "dynamodb" {
  source = "../../modules/dynamodb"

  name                = local.name
  deletion_protection = true
}

module "iam" {
  source = "../../modules/iam"

  name = local.name

  cluster = {
    name              = module.eks.cluster_name
    arn               = module.eks.cluster_arn
    oidc_provider_arn = module.eks.oidc_provider_arn
    oidc_issuer       = module.eks.oidc_issuer
  }

  orders_tables = {
    table_arns  = values(module.dynamodb.table_arns)
    kms_key_arn = module.dynamodb.kms_key_arn
  }

  secrets = {
    prefix       = local.secret_prefix
    kms_key_arns = [module.secrets.kms_key_arn, module.database.kms_key_arn]
    extra_arns   = [module.database.master_user_secret_arn]
  }

  ecr_repository_arns = values(module.ecr.repository_arns)
  github              = var.github
}

module "helm_values" {
  source = "../../modules/helm-values"

  region                     = var.region
  secrets                    = { database = module.secrets.database_secret_names, redis = module.cache.auth_secret_name, jwt = module.secrets.jwt_secret_name }
  redis                      = { host = module.cache.primary_endpoint, port = module.cache.port }
  data_subnet_cidrs          = module.network.private_data_subnet_cidrs
  load_balancer_subnet_cidrs = module.network.public_subnet_cidrs
  certificate_arn            = var.certificate_arn
  log_group                  = { name = module.observability.application_log_group_name, retention_days = module.observability.retention_days }

  services = {
    for service, url in module.ecr.repository_urls : service => {
      repository_url = url
      role_arn       = module.iam.service_role_arns[service]
    }
  }
}
