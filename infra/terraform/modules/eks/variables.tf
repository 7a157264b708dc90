variable "name" {
  type        = string
  description = "Cluster name, e.g. shipshape-dev."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter (e.g. shipshape-dev)."
  }
}

variable "kubernetes_version" {
  type        = string
  description = "Kubernetes minor version of the control plane and nodes, e.g. 1.33."
  default     = "1.33"

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must look like 1.33; check `aws eks describe-cluster-versions` for what your region offers."
  }
}

variable "vpc_id" {
  type        = string
  description = "VPC the cluster runs in."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets for the control-plane network interfaces and the nodes (at least two zones)."

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids needs subnets in at least two availability zones; EKS refuses fewer."
  }
}

variable "endpoint_public_access_cidrs" {
  type        = list(string)
  description = "CIDRs that may reach the public API endpoint (your office or VPN egress, CI runners). Empty keeps the API private-only."
  default     = []

  validation {
    condition     = alltrue([for cidr in var.endpoint_public_access_cidrs : can(cidrhost(cidr, 0)) && cidr != "0.0.0.0/0"])
    error_message = "endpoint_public_access_cidrs must be valid CIDRs and never 0.0.0.0/0; use your egress IP as x.x.x.x/32."
  }
}

variable "node_group" {
  type = object({
    instance_types = optional(list(string), ["t3.small"])
    capacity_type  = optional(string, "ON_DEMAND")
    desired_size   = optional(number, 1)
    min_size       = optional(number, 1)
    max_size       = optional(number, 2)
    disk_size_gib  = optional(number, 20)
  })
  description = "Managed node group sizing. The default is one t3.small, enough for a demo; use t3.medium or larger for real load."
  default     = {}

  validation {
    condition     = var.node_group.min_size <= var.node_group.desired_size && var.node_group.desired_size <= var.node_group.max_size && var.node_group.min_size >= 1
    error_message = "node_group sizes must satisfy 1 <= min_size <= desired_size <= max_size."
  }

  validation {
    condition     = contains(["ON_DEMAND", "SPOT"], var.node_group.capacity_type)
    error_message = "node_group.capacity_type must be ON_DEMAND or SPOT."
  }

  validation {
    condition     = var.node_group.disk_size_gib >= 20
    error_message = "node_group.disk_size_gib must be at least 20: images and logs fill smaller root volumes."
  }
}

variable "admin_principal_arns" {
  type        = list(string)
  description = "IAM roles or users given cluster-admin through access entries (besides the identity running Terraform)."
  default     = []

  validation {
    condition     = alltrue([for arn in var.admin_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/", arn))])
    error_message = "admin_principal_arns must be IAM role or user ARNs (arn:aws:iam::<account>:role/<name>); for SSO use the role ARN without the session."
  }
}

variable "grant_terraform_caller_admin" {
  type        = bool
  description = "Give the identity that runs Terraform a cluster-admin access entry, so `kubectl` works right after apply."
  default     = true
}

variable "log_kms_key_arn" {
  type        = string
  description = "KMS key for the control-plane log group (from the observability module)."
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep control-plane logs."
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch accepts, such as 7, 14, 30, 90 or 365."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for the node instances and volumes, which provider default_tags do not reach through the launch template."
  default     = {}
}
