locals {
  environment = "prod"

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

  # Availability and protection stay at the module's defaults, which are production's.
  profile = {
    platforms = merge({ eks = true, ecs = false }, { for k, v in var.platforms : k => v if v != null })

    nodes    = { instance_types = ["t3.medium"], desired_size = 3, min_size = 3, max_size = 6 }
    database = { min_acu = 1, max_acu = 8, instances = 2 }
  }
}
