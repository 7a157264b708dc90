variable "region" {
  type        = string
  description = "AWS region, for the Fluent Bit log destination."
}

variable "services" {
  type = map(object({
    repository_url = string
    role_arn       = string
  }))
  description = "Per chart service block (gateway, users, products, orders, conduit): its ECR repository URL and IRSA role ARN."

  validation {
    condition     = length(setsubtract(["gateway", "users", "products", "orders", "conduit"], keys(var.services))) == 0
    error_message = "services must have entries for gateway, users, products, orders and conduit, the chart's five service blocks."
  }
}

variable "secrets" {
  type = object({
    database    = map(string)
    redis       = string
    service_key = string
    acceptance  = string
    conduit_jwt = string
  })
  description = "Secrets Manager names: each service's database login (JSON with url), the Redis AUTH entry (JSON with password), orders' service key (JSON with private_key) the acceptance tokens (JSON with admin_token, user_token) and conduit's token key (JSON with CONDUIT_JWT_SECRET)."
}

variable "identity" {
  type = object({
    issuer            = string
    audience          = string
    admin_group       = string
    orders_public_key = string
  })
  description = "Who the services trust: the Cognito issuer and app client id, the admin group, and orders' Ed25519 public key."

  validation {
    condition     = startswith(var.identity.issuer, "https://") && can(regex("^[A-Za-z0-9_-]{43}$", var.identity.orders_public_key))
    error_message = "identity.issuer must be an https URL, and identity.orders_public_key the 43-character base64url Ed25519 key npm run token -- --service-key prints."
  }
}

variable "redis" {
  type = object({
    host = string
    port = number
  })
  description = "ElastiCache primary endpoint; TLS is always on."
}

variable "data_subnet_cidrs" {
  type        = list(string)
  description = "CIDRs of the subnets Aurora and ElastiCache live in, for the chart's NetworkPolicy egress rules."
}

variable "load_balancer_subnet_cidrs" {
  type        = list(string)
  description = "CIDRs of the public subnets the ALB reaches pods from (target-type ip), for NetworkPolicy ingress."
}

variable "certificate_arn" {
  type        = string
  description = "ACM certificate for the ALB's HTTPS listener; empty (or null) serves plain HTTP."
  default     = ""
  nullable    = false
}

variable "log_group" {
  type = object({
    name = string
  })
  description = "CloudWatch log group Fluent Bit ships container logs to (Terraform owns its retention)."
}

variable "dynamodb" {
  type = object({
    tables = object({ orders = string, products = string })
    stores = object({ orders = string, products = string })
  })
  description = "Each service's DynamoDB table (DYNAMODB_TABLE) and store (postgres or dynamodb), for the chart's dynamodb.tables and <service>.store."
}
