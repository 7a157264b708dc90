# Each service has its own role, with no permissions unless it calls AWS. Orders and products may keep their data
# in DynamoDB (STORE=dynamodb): each gets its own table and its indexes, never the other's. The others exist so a new
# permission is one statement here, never a shared or node-wide grant.
data "aws_iam_policy_document" "tables" {
  for_each = var.service_tables

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
    resources = [each.value.table_arn, "${each.value.table_arn}/index/*"]
  }

  statement {
    sid       = "TableKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [each.value.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["dynamodb.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "tables" {
  for_each = { for service, table in var.service_tables : service => table if var.cluster != null && contains(keys(var.service_accounts), service) }

  name   = "${each.key}-table"
  role   = aws_iam_role.irsa["svc-${each.key}"].id
  policy = data.aws_iam_policy_document.tables[each.key].json
}
