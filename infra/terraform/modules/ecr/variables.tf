variable "name" {
  type        = string
  description = "Repository name prefix, e.g. shipshape-dev; repositories are <name>/<service>."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter (e.g. shipshape-dev)."
  }
}

variable "services" {
  type        = set(string)
  description = "One repository per service."
  default     = ["gateway", "users", "products", "orders", "conduit"]

  validation {
    condition     = alltrue([for service in var.services : can(regex("^[a-z][a-z0-9-]*$", service))])
    error_message = "services must be lowercase names such as gateway or orders."
  }
}

variable "keep_tagged_images" {
  type        = number
  description = "How many tagged images each repository keeps; older ones expire (rollbacks need a few)."
  default     = 30

  validation {
    condition     = var.keep_tagged_images >= 5
    error_message = "keep_tagged_images must be at least 5 so a rollback target is never expired."
  }
}

variable "force_delete" {
  type        = bool
  description = "Let `terraform destroy` delete repositories that still hold images (dev only)."
  default     = false
}
