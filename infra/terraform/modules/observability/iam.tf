# IRSA role for the aws-for-fluent-bit chart: it may write into the two groups above and nothing else; it cannot
# create groups, so a misconfigured output fails loudly instead of creating unencrypted, never-expiring groups.
data "aws_iam_policy_document" "fluent_bit_assume" {
  count = var.oidc_provider_arn == null ? 0 : 1

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.oidc_issuer}:sub"
      values   = ["system:serviceaccount:${var.fluent_bit_service_account.namespace}:${var.fluent_bit_service_account.name}"]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "fluent_bit" {
  count = var.oidc_provider_arn == null ? 0 : 1

  name               = "${var.name}-fluent-bit"
  assume_role_policy = data.aws_iam_policy_document.fluent_bit_assume[0].json
}

data "aws_iam_policy_document" "fluent_bit" {
  statement {
    actions = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "logs:DescribeLogStreams",
    ]
    resources = [
      "${aws_cloudwatch_log_group.application.arn}:*",
      "${aws_cloudwatch_log_group.dataplane.arn}:*",
    ]
  }

  statement {
    actions   = ["logs:DescribeLogGroups"]
    resources = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:log-group:*"]
  }
}

resource "aws_iam_role_policy" "fluent_bit" {
  count = var.oidc_provider_arn == null ? 0 : 1

  name   = "ship-container-logs"
  role   = aws_iam_role.fluent_bit[0].id
  policy = data.aws_iam_policy_document.fluent_bit.json
}
