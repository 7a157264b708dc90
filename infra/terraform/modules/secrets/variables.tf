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
    services = optional(set(string), ["users", "products", "orders"])
  })
  description = "Aurora endpoint and the services that get their own database login (one secret each)."
}
