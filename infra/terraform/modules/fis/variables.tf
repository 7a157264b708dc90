variable "name" {
  type        = string
  description = "Environment name; prefixes every resource (e.g. shipshape-dev)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or dashes, starting with a letter (e.g. shipshape-dev)."
  }
}

variable "database_cluster_arn" {
  type        = string
  description = "ARN of the Aurora PostgreSQL cluster the failover experiment targets."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:rds:", var.database_cluster_arn))
    error_message = "database_cluster_arn must be an RDS cluster ARN (module.database's cluster_arn output)."
  }
}

variable "log_group_names" {
  type        = set(string)
  description = "Log groups the services' JSON logs are shipped to (EKS: the application group; ECS: one per service); the stop condition counts their error lines."

  validation {
    condition     = length(var.log_group_names) > 0
    error_message = "log_group_names must name at least one log group, or the stop condition would count nothing."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key for the experiments' log group (the observability module's key)."
}

variable "log_retention_days" {
  type        = number
  description = "Days the experiments' log group keeps FIS's experiment logs."
}

variable "eks" {
  type = object({
    cluster_arn = string
    namespace   = optional(string, "shipshape")
    # Kubernetes service account FIS acts as in the cluster (needs RBAC on pods and pods/ephemeralcontainers there).
    service_account = optional(string, "fis-experiments")
  })
  description = "The EKS cluster the pod experiments target; null on an environment without EKS."
  default     = null
}

variable "ecs" {
  type = object({
    cluster_name = string
  })
  description = "The ECS cluster the task experiments target; null on an environment without ECS."
  default     = null
}

variable "stop_condition" {
  type = object({
    # Error lines logged by all services together in one minute that stop every running experiment.
    error_lines_per_minute = optional(number, 50)
  })
  description = "When FIS stops an experiment on its own: the CloudWatch alarm every template names as its stop condition."
  default     = {}

  validation {
    condition     = var.stop_condition.error_lines_per_minute >= 1
    error_message = "stop_condition.error_lines_per_minute must be at least 1; an alarm that can never fire stops nothing."
  }
}
