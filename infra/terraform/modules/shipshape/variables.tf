variable "environment" {
  type        = string
  description = "Environment name, e.g. dev or prod: resources are named shipshape-<environment>, secrets live under shipshape/<environment>/."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.environment))
    error_message = "environment must be 2-21 lowercase letters, digits or hyphens, starting with a letter (e.g. dev or prod)."
  }
}

variable "profile" {
  type = object({
    # Size: every environment chooses its own.
    nodes = object({
      instance_types = list(string)
      desired_size   = number
      min_size       = number
      max_size       = number
    })
    database = object({
      min_acu               = number
      max_acu               = number
      instances             = number
      backup_retention_days = optional(number, 14)
    })

    # Availability and protection: the defaults are production's, so an environment gives them up only by saying so.
    network = optional(object({
      single_nat_gateway  = optional(bool, false)
      interface_endpoints = optional(set(string), ["ecr.api", "ecr.dkr", "sts", "secretsmanager", "logs"])
    }), {})
    cache = optional(object({
      multi_az                = optional(bool, true)
      snapshot_retention_days = optional(number, 7)
    }), {})
    # Where the services run and where orders and products keep their data.
    platforms = optional(object({
      eks = optional(bool, true)
      ecs = optional(bool, false)
    }), {})
    ecs = optional(object({
      instances = optional(object({
        instance_type = optional(string, "t3.small")
        min_size      = optional(number, 2)
        max_size      = optional(number, 4)
        disk_size_gib = optional(number, 30)
      }), {})
      desired_count = optional(number, 2)
      http_cidrs    = optional(list(string), [])
    }), {})
    stores = optional(object({
      orders   = optional(string, "postgres")
      products = optional(string, "postgres")
    }), {})
    # Game days: AWS FIS experiment templates (modules/fis). Off unless an environment turns them on.
    game_days = optional(object({
      enabled                = optional(bool, false)
      error_lines_per_minute = optional(number, 50)
    }), {})

    log_retention_days          = optional(number, 90)
    deletion_protection         = optional(bool, true)
    secret_recovery_window_days = optional(number, 30)
    require_certificate         = optional(bool, true)
  })
  description = <<-EOT
    What sets one environment apart from another. nodes: the EKS managed node group (instance types, desired, min
    and max size). database: Aurora Serverless v2 ACU range, instance count (2+ adds a reader to fail over to) and
    backup days. network: one NAT gateway for all zones instead of one per zone, and the interface endpoints.
    cache: Multi-AZ failover (a second node) and snapshot days. log_retention_days: every CloudWatch log group.
    deletion_protection: Aurora and DynamoDB refuse deletion and ECR keeps repositories that hold images.
    secret_recovery_window_days: 0 deletes secrets at once. require_certificate: certificate_arn must be set, so the
    ALB serves HTTPS only. platforms: run on EKS (the chart), on ECS with EC2 (modules/ecs), or both. ecs: the
    instances behind its capacity provider, tasks per service, and the CIDRs plain HTTP is served to when there is
    no certificate. stores: postgres or dynamodb for orders and products (users always use PostgreSQL).
    game_days: AWS FIS experiment templates for the game-day scenarios, with the error-line rate that stops them.
  EOT

  validation {
    condition     = var.profile.platforms.eks || var.profile.platforms.ecs
    error_message = "profile.platforms must turn on eks, ecs or both; with neither nothing would run the services."
  }

  validation {
    condition     = !var.profile.game_days.enabled || var.profile.database.instances >= 2
    error_message = "profile.game_days.enabled needs profile.database.instances >= 2: the Aurora failover experiment needs a reader to fail over to."
  }

  validation {
    condition     = alltrue([for store in values(var.profile.stores) : contains(["postgres", "dynamodb"], store)])
    error_message = "profile.stores.orders and profile.stores.products must be postgres or dynamodb."
  }
}

variable "region" {
  type        = string
  description = "AWS region the environment is deployed into, e.g. us-east-1 (for the log shipper's settings)."

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as us-east-1 or eu-west-1."
  }
}

variable "vpc_cidr" {
  type        = string
  description = "IPv4 /16 for the VPC."

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && endswith(var.vpc_cidr, "/16")
    error_message = "vpc_cidr must be a valid /16 such as 10.20.0.0/16."
  }
}

variable "eks_public_access_cidrs" {
  type        = list(string)
  description = "CIDRs allowed to reach the Kubernetes API from the internet (your egress IP as /32). Empty makes the API private-only."

  validation {
    condition     = alltrue([for cidr in var.eks_public_access_cidrs : can(cidrhost(cidr, 0)) && cidr != "0.0.0.0/0"])
    error_message = "eks_public_access_cidrs must be valid CIDRs and never 0.0.0.0/0; find your IP with `curl -s https://checkip.amazonaws.com` and add /32."
  }
}

variable "eks_admin_principal_arns" {
  type        = list(string)
  description = "Extra IAM roles or users with cluster-admin (the identity running Terraform always gets it)."
  default     = []
}

variable "github" {
  type = object({
    repository            = string
    branch                = optional(string, "main")
    environment           = optional(string)
    create_oidc_provider  = optional(bool, true)
    existing_provider_arn = optional(string)
  })
  description = "Repository (owner/name), branch, and GitHub environment (default: the environment's name, as .github/workflows/deploy.yml uses it) whose GitHub Actions jobs may push images and deploy."
}

variable "service_identity" {
  type = object({
    orders_public_key = string
  })
  description = "orders' Ed25519 public key (the 43-character base64url key `npm run token -- --service-key` prints); its private half goes into the <prefix>/service-keys/orders secret."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{43}$", var.service_identity.orders_public_key))
    error_message = "service_identity.orders_public_key must be the 43-character base64url Ed25519 public key printed by npm run token -- --service-key."
  }
}

variable "certificate_arn" {
  type        = string
  description = "ACM certificate for the ALB's HTTPS listener; null serves plain HTTP, which only a profile with require_certificate = false accepts."
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>) or null."
  }

  validation {
    condition     = var.certificate_arn != null || !var.profile.require_certificate
    error_message = "certificate_arn must be set: this environment serves HTTPS only; request one with `aws acm request-certificate`."
  }
}

variable "tags" {
  type        = map(string)
  description = "The provider's default tags, repeated on node instances and volumes, which default_tags do not reach through the launch template."
  default     = {}
}

variable "image_tag" {
  type        = string
  description = "Image tag the ECS task definitions start with (a release the CI workflow pushed to ECR, e.g. a git SHA); later deploys register new revisions (docs/deploy-ecs.md). Unused without ECS."
  default     = null

  validation {
    condition     = var.image_tag != null || !var.profile.platforms.ecs
    error_message = "image_tag must be set when profile.platforms.ecs is true: the tag of images already in ECR (see docs/deploy-ecs.md)."
  }

  validation {
    condition     = var.image_tag == null || can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    error_message = "image_tag must be a Docker tag: letters, digits, _, . and -, at most 128 characters."
  }
}
