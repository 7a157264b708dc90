variable "region" {
  type        = string
  description = "AWS region to deploy into, e.g. us-east-1."

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as us-east-1 or eu-west-1."
  }
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

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && endswith(var.vpc_cidr, "/16")
    error_message = "vpc_cidr must be a valid /16 such as 10.30.0.0/16."
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
  description = "Repository (owner/name) and branch whose GitHub Actions workflow may push images and deploy."
}

variable "certificate_arn" {
  type        = string
  description = "ACM certificate for the ALB's HTTPS listener; prod serves HTTPS only."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>); request one with `aws acm request-certificate`."
  }
}
