variable "name" {
  type        = string
  description = "Name prefix, e.g. shipshape-dev."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter (e.g. shipshape-dev)."
  }
}

variable "secret_prefix" {
  type        = string
  description = "Path every Shipshape secret lives under, e.g. shipshape/dev; External Secrets may read only below it."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*/[a-z][a-z0-9-]*$", var.secret_prefix))
    error_message = "secret_prefix must look like shipshape/dev (two lowercase path segments, no trailing slash)."
  }
}

variable "database" {
  type = object({
    host     = string
    port     = number
    name     = string
    services = optional(set(string), ["users", "products", "orders", "conduit"])
  })
  description = "Aurora endpoint and the services that get their own database login (one secret each)."
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
