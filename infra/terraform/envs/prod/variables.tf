# What one person fills in (terraform.tfvars). The module validates each value; the account guard is checked here
# because only the provider uses it.
variable "region" {
  type        = string
  description = "AWS region to deploy into, e.g. us-east-1."
}

variable "account_id" {
  type        = string
  description = "The only AWS account this environment may be applied to; a wrong profile fails before anything changes."

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be the 12-digit AWS account id (`aws sts get-caller-identity --query Account`)."
  }
}

variable "vpc_cidr" {
  type        = string
  description = "IPv4 /16 for the VPC."
  default     = "10.30.0.0/16"
}

variable "eks_public_access_cidrs" {
  type        = list(string)
  description = "CIDRs allowed to reach the Kubernetes API from the internet (your egress IP as /32). Empty makes the API private-only."
}

variable "eks_admin_principal_arns" {
  type        = list(string)
  description = "Extra IAM roles or users with cluster-admin (the identity running Terraform always gets it)."
  default     = []
}

variable "github" {
  type = object({
    repository            = string
    branch                = optional(string)
    environment           = optional(string)
    create_oidc_provider  = optional(bool)
    existing_provider_arn = optional(string)
  })
  description = "Repository (owner/name) and branch (default main) whose GitHub Actions workflow may push images and deploy."
}

variable "service_identity" {
  type = object({
    orders_public_key = string
  })
  description = "orders' Ed25519 public key (`npm run token -- --service-key`); put the private half into the <prefix>/service-keys/orders secret."
}

variable "certificate_arn" {
  type        = string
  description = "ACM certificate for the ALB's HTTPS listener; prod serves HTTPS only, so it must be set."
}

variable "platforms" {
  type = object({
    eks = optional(bool)
    ecs = optional(bool)
  })
  description = "Where the services run: eks (the Helm chart), ecs (ECS on EC2) or both."
  default     = {}
}

variable "image_tag" {
  type        = string
  description = "Tag of the images in ECR that ECS starts with (required when platforms.ecs is true); later deploys register new task definition revisions."
  default     = null
}
