# The role FIS assumes to run the templates: exactly the actions they use, on the resources they target.
data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["fis.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "fis" {
  name               = "${var.name}-fis"
  description        = "Assumed by AWS FIS to run Shipshape's game-day experiments."
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "fis" {
  statement {
    sid       = "AuroraFailover"
    actions   = ["rds:FailoverDBCluster", "rds:DescribeDBClusters"]
    resources = [var.database_cluster_arn]
  }

  dynamic "statement" {
    for_each = var.eks == null ? [] : [var.eks]

    content {
      sid       = "EksPods"
      actions   = ["eks:DescribeCluster"]
      resources = [statement.value.cluster_arn]
    }
  }

  dynamic "statement" {
    for_each = var.ecs == null ? [] : [var.ecs]

    content {
      sid       = "EcsTasks"
      actions   = ["ecs:StopTask", "ecs:DescribeTasks", "ecs:ListTasks"]
      resources = ["*"]

      condition {
        test     = "StringEquals"
        variable = "ecs:cluster"
        values   = ["arn:${data.aws_partition.this.partition}:ecs:${data.aws_region.this.region}:${data.aws_caller_identity.this.account_id}:cluster/${statement.value.cluster_name}"]
      }
    }
  }

  statement {
    sid       = "ExperimentLogs"
    actions   = ["logs:CreateLogDelivery", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"]
    resources = ["*"]
  }
}

data "aws_partition" "this" {}
data "aws_region" "this" {}
data "aws_caller_identity" "this" {}

resource "aws_iam_role_policy" "fis" {
  name   = "experiments"
  role   = aws_iam_role.fis.id
  policy = data.aws_iam_policy_document.fis.json
}
