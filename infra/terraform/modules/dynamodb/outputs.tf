output "table_names" {
  description = "Table name per short name (orders, catalog): the services' DYNAMODB_TABLE."
  value       = { for table, resource in aws_dynamodb_table.this : table => resource.name }
}

output "table_arns" {
  description = "Table ARN per short name, for least-privilege IAM policies (add /index/* for the indexes)."
  value       = { for table, resource in aws_dynamodb_table.this : table => resource.arn }
}

output "kms_key_arn" {
  description = "KMS key of the tables; callers need kms:Decrypt and kms:GenerateDataKey on it through DynamoDB."
  value       = aws_kms_key.this.arn
}
