locals {
  environment = "dev"

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

module "shipshape" {
  source = "../../modules/shipshape"

  environment              = local.environment
  region                   = var.region
  vpc_cidr                 = var.vpc_cidr
  eks_public_access_cidrs  = var.eks_public_access_cidrs
  eks_admin_principal_arns = var.eks_admin_principal_arns
  github                   = var.github
  certificate_arn          = var.certificate_arn
  service_identity         = var.service_identity
  image_tag                = var.image_tag
  tags                     = local.tags

  # Cheap and disposable: created and destroyed daily. Everything production has and dev gives up is listed here.
  profile = {
    nodes    = { instance_types = ["t3.small"], desired_size = 1, min_size = 1, max_size = 2 }
    database = { min_acu = 0.5, max_acu = 2, instances = 1, backup_retention_days = 7 }

    network                     = { single_nat_gateway = true, interface_endpoints = [] }
    cache                       = { multi_az = false, snapshot_retention_days = 1 }
    log_retention_days          = 14
    deletion_protection         = false
    secret_recovery_window_days = 0
    require_certificate         = false

    # ECS on free-tier-sized instances (t3.micro, 1 GiB: two hold the four 256 MiB tasks), one task per service,
    # plain HTTP only to the CIDRs in ecs_http_cidrs when there is no certificate.
    platforms = merge({ eks = true, ecs = false }, { for k, v in var.platforms : k => v if v != null })
    ecs = {
      instances     = { instance_type = "t3.micro", min_size = 2, max_size = 3 }
      desired_count = 1
      http_cidrs    = var.eks_public_access_cidrs
    }
  }
}
