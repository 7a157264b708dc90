# External Secrets reads Shipshape's secrets and nothing else: no ListSecrets, no other prefixes, no writes.
data "aws_iam_policy_document" "external_secrets" {
  statement {
    sid     = "ReadShipshapeSecrets"
    actions = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = concat(
      ["arn:${local.partition}:secretsmanager:${local.region}:${local.account}:secret:${var.secrets.prefix}/*"],
      var.secrets.extra_arns,
    )
  }

  statement {
    sid       = "DecryptThroughSecretsManager"
    actions   = ["kms:Decrypt"]
    resources = var.secrets.kms_key_arns

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "external_secrets" {
  count = var.cluster == null ? 0 : 1

  name   = "read-shipshape-secrets"
  role   = aws_iam_role.irsa["external-secrets"].id
  policy = data.aws_iam_policy_document.external_secrets.json
}
