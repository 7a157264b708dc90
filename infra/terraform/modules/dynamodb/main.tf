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

# One table per service, each a single-table design (docs/decisions/0003-dynamodb-table-design.md). The keys and
# indexes mirror tools/db/dynamodb-tables.ts, which npm run check:terraform compares.
resource "aws_dynamodb_table" "this" {
  for_each = var.tables

  name                        = "${var.name}-${each.key}"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = each.value.hash_key
  range_key                   = each.value.range_key
  deletion_protection_enabled = var.deletion_protection

  dynamic "attribute" {
    for_each = toset(concat(
      [each.value.hash_key, each.value.range_key],
      flatten([for index in each.value.indexes : [index.hash_key, index.range_key]]),
    ))

    content {
      name = attribute.value
      type = "S"
    }
  }

  # Sparse indexes: an item is in one only while it carries the index's key attributes.
  dynamic "global_secondary_index" {
    for_each = each.value.indexes

    content {
      name            = global_secondary_index.value.name
      hash_key        = global_secondary_index.value.hash_key
      range_key       = global_secondary_index.value.range_key
      projection_type = "ALL"
    }
  }

  # Idempotency-Key records expire (at least 24 h after their request); the code never trusts an expired one.
  dynamic "ttl" {
    for_each = each.value.ttl_attribute == null ? [] : [each.value.ttl_attribute]

    content {
      attribute_name = ttl.value
      enabled        = true
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
