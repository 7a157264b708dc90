# One key for the storage, the master-password secret and Performance Insights (CKV_AWS_96, CKV_AWS_354).
resource "aws_kms_key" "this" {
  description             = "${var.name} Aurora PostgreSQL"
  enable_key_rotation     = true
  deletion_window_in_days = 7
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-aurora"
  target_key_id = aws_kms_key.this.key_id
}
