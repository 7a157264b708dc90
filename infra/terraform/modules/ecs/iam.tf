# Two roles per task, never one (CKV_AWS_249): the execution role lets the ECS agent pull the image, read the
# task's secrets and write its logs; the task role is what the service's own code may do in AWS (only its DynamoDB
# table, when it has one).
data "aws_iam_policy_document" "tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    # Only tasks of this account can assume them (confused deputy).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-ecs-execution"
  assume_role_policy = data.aws_iam_policy_document.tasks_assume.json
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

locals {
  # "arn...:secret:name:json-key::" -> the secret's ARN pattern (any version and suffix of that secret).
  secret_arns = distinct(flatten([
    for service in values(var.services) : [for value_from in values(service.secrets) : "${join(":", slice(split(":", value_from), 0, 7))}*"]
  ]))
}

data "aws_iam_policy_document" "execution_secrets" {
  statement {
    sid       = "TaskSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = local.secret_arns
  }

  statement {
    sid       = "SecretsKeys"
    actions   = ["kms:Decrypt"]
    resources = var.secrets_kms_key_arns

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${var.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "execution_secrets" {
  name   = "task-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution_secrets.json
}

resource "aws_iam_role" "task" {
  for_each = var.services

  name               = "${var.name}-ecs-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.tasks_assume.json
}

data "aws_iam_policy_document" "task_table" {
  for_each = { for name, service in var.services : name => service if service.dynamodb_table_arn != null }

  statement {
    sid = "OwnTable"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:BatchGetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:ConditionCheckItem",
      "dynamodb:Query",
      "dynamodb:DescribeTable",
      "dynamodb:DescribeTimeToLive",
    ]
    resources = [each.value.dynamodb_table_arn, "${each.value.dynamodb_table_arn}/index/*"]
  }

  dynamic "statement" {
    for_each = var.dynamodb_kms_key_arn == null ? [] : [var.dynamodb_kms_key_arn]

    content {
      sid       = "TableKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["dynamodb.${var.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "task_table" {
  for_each = { for name, service in var.services : name => service if service.dynamodb_table_arn != null }

  name   = "${each.key}-table"
  role   = aws_iam_role.task[each.key].id
  policy = data.aws_iam_policy_document.task_table[each.key].json
}
