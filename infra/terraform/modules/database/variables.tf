variable "name" {
  type        = string
  description = "Cluster identifier and name prefix, e.g. shipshape-dev."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter (e.g. shipshape-dev)."
  }
}

variable "vpc_id" {
  type        = string
  description = "VPC of the database security group."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private data subnets (no internet route) in at least two zones."

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids needs subnets in at least two availability zones; RDS subnet groups require it."
  }
}

variable "allowed_security_group_ids" {
  type        = list(string)
  description = "Security groups allowed to connect on 5432: the EKS cluster security group that nodes and pods use."

  validation {
    condition     = length(var.allowed_security_group_ids) > 0
    error_message = "allowed_security_group_ids must name at least the EKS cluster security group, or nothing can connect."
  }
}

variable "engine_version" {
  type        = string
  description = "Aurora PostgreSQL engine version (major.minor)."
  default     = "16.8"

  validation {
    condition     = can(regex("^1[5-7]\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must be an Aurora PostgreSQL 15, 16 or 17 version such as 16.8 (`aws rds describe-db-engine-versions --engine aurora-postgresql`)."
  }
}

variable "database_name" {
  type        = string
  description = "Database created with the cluster; each service owns its own schema inside it."
  default     = "shipshape"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.database_name))
    error_message = "database_name must be a lowercase PostgreSQL identifier such as shipshape."
  }
}

variable "capacity" {
  type = object({
    min_acu   = optional(number, 0.5)
    max_acu   = optional(number, 2)
    instances = optional(number, 1)
  })
  description = "Serverless v2 capacity in Aurora capacity units and the number of instances (2+ gives a reader to fail over to)."
  default     = {}

  validation {
    condition     = var.capacity.min_acu >= 0 && var.capacity.min_acu <= var.capacity.max_acu && var.capacity.max_acu <= 256
    error_message = "capacity must satisfy 0 <= min_acu <= max_acu <= 256 (0.5 is the cheapest always-on minimum)."
  }

  validation {
    condition     = var.capacity.instances >= 1 && var.capacity.instances <= 3
    error_message = "capacity.instances must be 1 to 3."
  }
}

variable "backup_retention_days" {
  type        = number
  description = "Days of automated backups (point-in-time restore window)."
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be 7 to 35: a week is the least we accept for restoring after a bad migration."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse to delete the cluster (true in prod; false in dev so `terraform destroy` works)."
}

variable "log_kms_key_arn" {
  type        = string
  description = "KMS key for the exported PostgreSQL log group (from the observability module)."
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep exported PostgreSQL logs."
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch accepts, such as 7, 14, 30, 90 or 365."
  }
}
