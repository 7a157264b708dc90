variable "region" {
  type        = string
  description = "AWS region of the state bucket (the environments may live elsewhere)."

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as us-east-1 or eu-west-1."
  }
}

variable "account_id" {
  type        = string
  description = "The only AWS account the bucket may be created in."

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be the 12-digit AWS account id (`aws sts get-caller-identity --query Account`)."
  }
}

variable "bucket_name" {
  type        = string
  description = "Globally unique state bucket name, e.g. acme-shipshape-tfstate-<account id>."
}
