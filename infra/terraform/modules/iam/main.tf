data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.region
  account   = data.aws_caller_identity.current.account_id

  # Every IRSA role trusts exactly one service account of this cluster.
  irsa_subjects = var.cluster == null ? {} : merge(
    {
      "load-balancer-controller" = "system:serviceaccount:kube-system:aws-load-balancer-controller"
      "external-secrets"         = "system:serviceaccount:external-secrets:external-secrets"
    },
    { for service, account in var.service_accounts : "svc-${service}" => "system:serviceaccount:${var.namespace}:${account}" },
  )
}

data "aws_iam_policy_document" "irsa_assume" {
  for_each = local.irsa_subjects

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [var.cluster.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.cluster.oidc_issuer}:sub"
      values   = [each.value]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.cluster.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "irsa" {
  for_each = local.irsa_subjects

  name               = "${var.name}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.irsa_assume[each.key].json
}
