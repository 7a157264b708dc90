# Container logs shipped by Fluent Bit: one group per environment, one stream per pod.
resource "aws_cloudwatch_log_group" "application" {
  name              = "/${var.name}/application"
  retention_in_days = var.retention_days
  kms_key_id        = aws_kms_key.logs.arn
}

# Node-level logs (kubelet, containerd) for debugging nodes that fail to join or pods that fail to start.
resource "aws_cloudwatch_log_group" "dataplane" {
  name              = "/${var.name}/dataplane"
  retention_in_days = var.retention_days
  kms_key_id        = aws_kms_key.logs.arn
}
