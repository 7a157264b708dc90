# GitHub Actions deploys without stored AWS keys: the workflow exchanges its OIDC token for this role, which only
# one repository and branch (or GitHub environment) may assume. .github/workflows/deploy.yml runs each environment's
# jobs in the GitHub environment of the same name, whose OIDC subject is repo:<owner/name>:environment:<name>: what
# the role does is build and push the images (ECR), read the cluster endpoint (EKS), upgrade the Helm release in the
# Shipshape namespace, and query Prometheus for the canary gate.
resource "aws_iam_openid_connect_provider" "github" {
  count = var.github.create_oidc_provider ? 1 : 0

  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

locals {
  github_provider_arn = var.github.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : var.github.existing_provider_arn
  github_subjects = compact([
    "repo:${var.github.repository}:ref:refs/heads/${var.github.branch}",
    var.github.environment == null ? "" : "repo:${var.github.repository}:environment:${var.github.environment}",
  ])
}

data "aws_iam_policy_document" "ci_assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.github_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = local.github_subjects
    }
  }
}

resource "aws_iam_role" "ci_deploy" {
  name                 = "${var.name}-ci-deploy"
  assume_role_policy   = data.aws_iam_policy_document.ci_assume.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "ci_deploy" {
  # GetAuthorizationToken has no resource-level permissions.
  statement {
    sid       = "RegistryLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PushImages"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImages",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = var.ecr_repository_arns
  }

  dynamic "statement" {
    for_each = var.cluster == null ? [] : [var.cluster.arn]

    content {
      sid       = "Kubeconfig"
      actions   = ["eks:DescribeCluster"]
      resources = [statement.value]
    }
  }

  # ECS on EC2 (modules/ecs), when the environment runs it: register task definition revisions with the new images
  # and point the services at them. Task definitions have no resource-level permissions; the services and the roles
  # the revisions pass on are this environment's only.
  dynamic "statement" {
    for_each = var.ecs_cluster == null ? [] : [var.ecs_cluster]

    content {
      sid       = "EcsTaskDefinitions"
      actions   = ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = var.ecs_cluster == null ? [] : [var.ecs_cluster]

    content {
      sid       = "EcsServices"
      actions   = ["ecs:DescribeServices", "ecs:UpdateService"]
      resources = ["arn:${local.partition}:ecs:${local.region}:${local.account}:service/${statement.value}/*"]
    }
  }

  dynamic "statement" {
    for_each = var.ecs_cluster == null ? [] : [var.ecs_cluster]

    content {
      sid       = "EcsPassTaskRoles"
      actions   = ["iam:PassRole"]
      resources = ["arn:${local.partition}:iam::${local.account}:role/${statement.value}-ecs-*"]

      condition {
        test     = "StringEquals"
        variable = "iam:PassedToService"
        values   = ["ecs-tasks.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "ci_deploy" {
  name   = "push-and-deploy"
  role   = aws_iam_role.ci_deploy.id
  policy = data.aws_iam_policy_document.ci_deploy.json
}

# Inside the cluster the CI role may manage the Shipshape namespace only (Helm releases, not controllers or RBAC
# outside it).
resource "aws_eks_access_entry" "ci_deploy" {
  count = var.cluster == null ? 0 : 1

  cluster_name  = var.cluster.name
  principal_arn = aws_iam_role.ci_deploy.arn
  type          = "STANDARD"
  # The canary gate reads Prometheus (namespace monitoring) through the API server's service proxy: this group is
  # bound there to get services/proxy on the Prometheus Service only (deploy/release/prometheus-query-rbac.yaml).
  kubernetes_groups = ["shipshape:release-gate"]
}

resource "aws_eks_access_policy_association" "ci_deploy" {
  count = var.cluster == null ? 0 : 1

  cluster_name  = var.cluster.name
  principal_arn = aws_eks_access_entry.ci_deploy[0].principal_arn
  policy_arn    = "arn:${local.partition}:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy"

  access_scope {
    type       = "namespace"
    namespaces = [var.namespace]
  }
}
