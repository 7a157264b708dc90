# Each service has its own role, with no permissions unless it calls AWS. Today only orders does (its DynamoDB
# tables); the others exist so a new permission is one statement here, never a shared or node-wide grant.
data "aws_iam_policy_document" "orders" {
  statement {
    sid = "OrdersTables"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:BatchGetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:BatchWriteItem",
      "dynamodb:ConditionCheckItem",
      "dynamodb:Query",
      "dynamodb:DescribeTable",
    ]
    resources = concat(var.orders_tables.table_arns, [for arn in var.orders_tables.table_arns : "${arn}/index/*"])
  }

  statement {
    sid       = "TablesKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [var.orders_tables.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["dynamodb.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "orders" {
  count = contains(keys(var.service_accounts), "orders") ? 1 : 0

  name   = "orders-tables"
  role   = aws_iam_role.irsa["svc-orders"].id
  policy = data.aws_iam_policy_document.orders.json
}
