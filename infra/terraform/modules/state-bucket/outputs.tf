output "bucket" {
  description = "Name of the state bucket, for the bucket setting of each environment's backend."
  value       = aws_s3_bucket.this.id
}

output "kms_key_arn" {
  description = "KMS key of the state, for the kms_key_id setting of each environment's backend."
  value       = aws_kms_key.this.arn
}
