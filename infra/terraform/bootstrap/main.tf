provider "aws" {
  region              = var.region
  allowed_account_ids = [var.account_id]

  default_tags {
    tags = {
      Project   = "shipshape"
      ManagedBy = "terraform"
      Purpose   = "terraform-state"
    }
  }
}

module "state_bucket" {
  source = "../modules/state-bucket"

  bucket_name = var.bucket_name
}
