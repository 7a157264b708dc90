variable "name" {
  type        = string
  description = "Replication group id and name prefix, e.g. shipshape-dev."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter (e.g. shipshape-dev)."
  }
}

variable "vpc_id" {
  type        = string
  description = "VPC of the cache security group."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private data subnets (no internet route)."

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids needs subnets in at least two availability zones so a replica can live in another zone."
  }
}

variable "allowed_security_group_ids" {
  type        = list(string)
  description = "Security groups allowed to connect on 6379: the EKS cluster security group."

  validation {
    condition     = length(var.allowed_security_group_ids) > 0
    error_message = "allowed_security_group_ids must name at least the EKS cluster security group, or nothing can connect."
  }
}

variable "node_type" {
  type        = string
  description = "Cache node type; cache.t4g.micro is the smallest and cheapest."
  default     = "cache.t4g.micro"

  validation {
    condition     = startswith(var.node_type, "cache.")
    error_message = "node_type must be an ElastiCache node type such as cache.t4g.micro or cache.t4g.small."
  }
}

variable "engine_version" {
  type        = string
  description = "Redis OSS engine version (the services speak the Redis protocol with AUTH and TLS)."
  default     = "7.1"

  validation {
    condition     = can(regex("^7\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must be a Redis OSS 7 version such as 7.1."
  }
}

variable "multi_az" {
  type        = bool
  description = "Run a replica in another zone with automatic failover (prod); a single node otherwise (dev)."
  default     = false
}

variable "snapshot_retention_days" {
  type        = number
  description = "Days of daily snapshots to keep."
  default     = 1

  validation {
    condition     = var.snapshot_retention_days >= 1 && var.snapshot_retention_days <= 35
    error_message = "snapshot_retention_days must be 1 to 35; 0 would turn snapshots off."
  }
}

variable "auth_secret_name" {
  type        = string
  description = "Secrets Manager name for the AUTH token and connection details, e.g. shipshape/dev/redis."
}

variable "secrets_kms_key_arn" {
  type        = string
  description = "KMS key that encrypts the Secrets Manager entry (from the secrets module)."
}

variable "log_kms_key_arn" {
  type        = string
  description = "KMS key for the slow-log group (from the observability module)."
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep the Redis slow log."
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch accepts, such as 7, 14, 30, 90 or 365."
  }
}

variable "recovery_window_days" {
  type        = number
  description = "Days a deleted secret can be restored; 0 deletes at once, so a destroyed dev stack can be re-created with the same names."
  default     = 7

  validation {
    condition     = var.recovery_window_days == 0 || (var.recovery_window_days >= 7 && var.recovery_window_days <= 30)
    error_message = "recovery_window_days must be 0 (delete at once, dev) or between 7 and 30 (prod)."
  }
}
