variable "name" {
  type        = string
  description = "Name prefix, e.g. shipshape-dev; container logs land in /<name>/application, node logs in /<name>/dataplane."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter (e.g. shipshape-dev)."
  }
}

variable "retention_days" {
  type        = number
  description = "Days to keep application and cluster logs."
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.retention_days)
    error_message = "retention_days must be a retention CloudWatch accepts, such as 7, 14, 30, 90 or 365."
  }
}

variable "oidc_provider_arn" {
  type        = string
  description = "ARN of the EKS cluster's IAM OIDC provider, for the Fluent Bit IRSA role; null without EKS (no role)."
  default     = null
}

variable "oidc_issuer" {
  type        = string
  description = "The EKS cluster's OIDC issuer host and path, without https:// (used in trust-policy condition keys); null without EKS."
  default     = null
}

variable "fluent_bit_service_account" {
  type = object({
    namespace = optional(string, "amazon-cloudwatch")
    name      = optional(string, "fluent-bit")
  })
  description = "Namespace and name of the Fluent Bit service account that may assume the log-shipping role."
  default     = {}
}
