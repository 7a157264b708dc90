variable "name" {
  type        = string
  description = "Role name prefix, e.g. shipshape-dev."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter (e.g. shipshape-dev)."
  }
}

variable "cluster" {
  type = object({
    name              = string
    arn               = string
    oidc_provider_arn = string
    oidc_issuer       = string
  })
  description = "The EKS cluster: its name and ARN, and the IRSA OIDC provider ARN and issuer (without https://). null when the environment runs on ECS only: no IRSA roles, and the CI role gets no cluster access."
  default     = null
}

variable "namespace" {
  type        = string
  description = "Kubernetes namespace the Shipshape chart is installed into."
  default     = "shipshape"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a valid Kubernetes namespace name such as shipshape."
  }
}

variable "service_accounts" {
  type        = map(string)
  description = "Kubernetes service account of each service, as the chart names them; each gets its own IRSA role."
  default = {
    gateway  = "shipshape-gateway"
    users    = "shipshape-users"
    products = "shipshape-products"
    orders   = "shipshape-orders"
    conduit  = "shipshape-conduit"
  }

  validation {
    condition     = alltrue([for account in values(var.service_accounts) : can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", account))])
    error_message = "service_accounts values must be valid Kubernetes names such as shipshape-orders."
  }
}

variable "service_tables" {
  type = map(object({
    table_arn   = string
    kms_key_arn = string
  }))
  description = "The DynamoDB table each service may use (orders: its orders table, products: the catalog table), and only that one, with the key that encrypts it."

  validation {
    condition     = alltrue([for service in keys(var.service_tables) : contains(["orders", "products"], service)])
    error_message = "service_tables keys must be orders or products (the services with STORE=dynamodb)."
  }
}

variable "secrets" {
  type = object({
    prefix       = string
    kms_key_arns = list(string)
    extra_arns   = optional(list(string), [])
  })
  description = "What External Secrets may read: every secret under prefix, extra secret ARNs (the RDS master secret), and the keys that encrypt them."
}

variable "ecr_repository_arns" {
  type        = list(string)
  description = "Repositories the CI role may push to."
}

variable "github" {
  type = object({
    repository            = string
    branch                = optional(string, "main")
    environment           = optional(string)
    create_oidc_provider  = optional(bool, true)
    existing_provider_arn = optional(string)
  })
  description = "GitHub repository (owner/name) and branch whose workflow may deploy; set create_oidc_provider = false and existing_provider_arn when the account already has the GitHub OIDC provider (one per account)."

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github.repository))
    error_message = "github.repository must be owner/name, e.g. acme/shipshape."
  }

  validation {
    condition     = var.github.create_oidc_provider || var.github.existing_provider_arn != null
    error_message = "Set github.existing_provider_arn when github.create_oidc_provider is false."
  }
}

variable "ecs_cluster" {
  type        = string
  description = "Name of the environment's ECS cluster when it runs on ECS (modules/ecs): the CI role may then deploy new task definition revisions to its services. null without ECS."
  default     = null
}
