variable "name" {
  type        = string
  description = "Name prefix, e.g. shipshape-dev: the user pool and its app client are named after it."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter (e.g. shipshape-dev)."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse to delete the user pool (its users cannot be recreated); production keeps it on."
  default     = true
}

variable "token_lifetimes" {
  type = object({
    access_minutes = optional(number, 60)
    id_minutes     = optional(number, 60)
    refresh_days   = optional(number, 30)
  })
  description = "Lifetimes of the app client's tokens. Access tokens must stay within the services' AUTH_MAX_TOKEN_LIFETIME_SECONDS (a day)."
  default     = {}

  validation {
    condition     = var.token_lifetimes.access_minutes >= 5 && var.token_lifetimes.access_minutes <= 1440 && var.token_lifetimes.id_minutes >= 5 && var.token_lifetimes.id_minutes <= 1440
    error_message = "token_lifetimes.access_minutes and id_minutes must be 5-1440: Cognito's range, and the services refuse tokens living longer than a day."
  }

  validation {
    condition     = var.token_lifetimes.refresh_days >= 1 && var.token_lifetimes.refresh_days <= 3650
    error_message = "token_lifetimes.refresh_days must be 1-3650 (Cognito's range)."
  }
}
