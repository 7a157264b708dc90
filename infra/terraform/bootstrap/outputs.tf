output "backend_config" {
  description = "Contents for envs/<env>/backend.hcl: `terraform output -raw backend_config > ../envs/dev/backend.hcl`."
  value       = <<-EOT
    bucket     = "${module.state_bucket.bucket}"
    region     = "${var.region}"
    kms_key_id = "${module.state_bucket.kms_key_arn}"
  EOT
}
