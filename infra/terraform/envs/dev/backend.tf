# bucket, region and kms_key_id come from backend.hcl (copy backend.hcl.example): `terraform init -backend-config=backend.hcl`.
# use_lockfile keeps a lock object next to the state in S3; no DynamoDB lock table is needed.
terraform {
  backend "s3" {
    key          = "shipshape/dev/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}
