output "yaml" {
  description = "The values file, for `terraform output -raw helm_values > values-aws.yaml`."
  value       = yamlencode(local.values)
}
