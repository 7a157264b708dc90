variable "bucket_name" {
  type        = string
  description = "Globally unique name of the state bucket, e.g. acme-shipshape-tfstate-123456789012."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name)) && !strcontains(var.bucket_name, "..")
    error_message = "bucket_name must be 3-63 lowercase letters, digits, dots or hyphens; add your account id to make it unique."
  }
}

variable "noncurrent_version_days" {
  type        = number
  description = "Days to keep superseded state versions (the undo history for a bad apply)."
  default     = 90

  validation {
    condition     = var.noncurrent_version_days >= 30
    error_message = "noncurrent_version_days must be at least 30 so a bad apply can still be rolled back a month later."
  }
}
