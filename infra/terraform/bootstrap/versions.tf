# The state bucket cannot hold its own state before it exists: this root keeps a local state file. Apply it once
# per account, keep terraform.tfstate somewhere safe (or migrate it into the bucket, see docs/deploy-aws.md).
terraform {
  required_version = ">= 1.10, < 2.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.25"
    }
  }
}
