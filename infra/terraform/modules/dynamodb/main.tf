# CKV_AWS_119: tables are encrypted with a key this account controls, so access can be cut by key policy alone.
resource "aws_kms_key" "this" {
  description             = "${var.name} DynamoDB tables"
  enable_key_rotation     = true
  deletion_window_in_days = 7
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-dynamodb"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_dynamodb_table" "this" {
  for_each = var.tables

  name                        = "${var.name}-${each.key}"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = each.value.hash_key
  range_key                   = each.value.range_key
  deletion_protection_enabled = var.deletion_protection

  dynamic "attribute" {
    for_each = compact([each.value.hash_key, each.value.range_key])

    content {
      name = attribute.value
      type = "S"
    }
  }

  # CKV_AWS_28: restore to any second of the last 35 days.
  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.this.arn
  }
}
