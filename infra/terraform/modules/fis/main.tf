# AWS FIS experiment templates for the game-day scenarios that need AWS to inject them (docs/gameday.md): an Aurora
# failover (every database connection dropped at once), a products pod deleted or an orders-to-products latency on
# EKS, a products task stopped on ECS. Every template stops on its own when the services log errors faster than the
# alarm below allows, so a drill cannot turn into an outage. Nothing runs until someone starts an experiment:
# `aws fis start-experiment --experiment-template-id <id>` (the ids are outputs).
locals {
  # The chart's selector labels (deploy/helm/shipshape/templates/_helpers.tpl): name is <chart>-<service>.
  pod_selector = {
    products = "app.kubernetes.io/name=shipshape-products"
    orders   = "app.kubernetes.io/name=shipshape-orders"
  }
  tags = { "shipshape/game-day" = "true" }
}

# The stop condition: error lines the services log (pino's JSON, level 50 = error), counted from the log group Fluent
# Bit (EKS) or the awslogs driver (ECS) write to.
resource "aws_cloudwatch_log_metric_filter" "error_lines" {
  for_each = var.log_group_names

  name           = "${var.name}-error-lines"
  log_group_name = each.value
  pattern        = "{ $.level >= 50 }"

  metric_transformation {
    name          = "ErrorLines"
    namespace     = "Shipshape/${var.name}"
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "stop" {
  alarm_name          = "${var.name}-game-day-stop"
  alarm_description   = "Stops every running FIS experiment: the services log more than ${var.stop_condition.error_lines_per_minute} error lines a minute."
  namespace           = "Shipshape/${var.name}"
  metric_name         = "ErrorLines"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = var.stop_condition.error_lines_per_minute
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  depends_on          = [aws_cloudwatch_log_metric_filter.error_lines]
}

resource "aws_cloudwatch_log_group" "experiments" {
  name              = "/${var.name}/fis"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_fis_experiment_template" "database_failover" {
  description = "postgres-connections-killed: Aurora fails over to a reader; every connection drops. Expect ShipshapeDatabaseConnectionErrors."
  role_arn    = aws_iam_role.fis.arn
  tags        = merge(local.tags, { Name = "${var.name}-database-failover", "shipshape/scenario" = "postgres-connections-killed" })

  stop_condition {
    source = "aws:cloudwatch:alarm"
    value  = aws_cloudwatch_metric_alarm.stop.arn
  }

  action {
    name      = "failover"
    action_id = "aws:rds:failover-db-cluster"

    target {
      key   = "Clusters"
      value = "database"
    }
  }

  target {
    name           = "database"
    resource_type  = "aws:rds:cluster"
    resource_arns  = [var.database_cluster_arn]
    selection_mode = "ALL"
  }

  log_configuration {
    log_schema_version = 2

    cloudwatch_logs_configuration {
      log_group_arn = "${aws_cloudwatch_log_group.experiments.arn}:*"
    }
  }
}

resource "aws_fis_experiment_template" "pod_delete" {
  count = var.eks == null ? 0 : 1

  description = "service-killed: one products pod deleted. Expect ShipshapeTargetDown for it, briefly."
  role_arn    = aws_iam_role.fis.arn
  tags        = merge(local.tags, { Name = "${var.name}-pod-delete", "shipshape/scenario" = "service-killed" })

  stop_condition {
    source = "aws:cloudwatch:alarm"
    value  = aws_cloudwatch_metric_alarm.stop.arn
  }

  action {
    name      = "delete-products-pod"
    action_id = "aws:eks:pod-delete"

    parameter {
      key   = "kubernetesServiceAccount"
      value = var.eks.service_account
    }

    parameter {
      key   = "gracePeriodSeconds"
      value = "0"
    }

    target {
      key   = "Pods"
      value = "products"
    }
  }

  target {
    name           = "products"
    resource_type  = "aws:eks:pod"
    selection_mode = "COUNT(1)"
    parameters = {
      clusterIdentifier = var.eks.cluster_arn
      namespace         = var.eks.namespace
      selectorType      = "labelSelector"
      selectorValue     = local.pod_selector["products"]
    }
  }

  log_configuration {
    log_schema_version = 2

    cloudwatch_logs_configuration {
      log_group_arn = "${aws_cloudwatch_log_group.experiments.arn}:*"
    }
  }
}

resource "aws_fis_experiment_template" "orders_latency" {
  count = var.eks == null ? 0 : 1

  description = "slow-dependency: 1.2 s of latency on the orders pods' traffic to products for 10 minutes. Expect ShipshapeOrderCreationLatencyBudgetBurn."
  role_arn    = aws_iam_role.fis.arn
  tags        = merge(local.tags, { Name = "${var.name}-orders-latency", "shipshape/scenario" = "slow-dependency" })

  stop_condition {
    source = "aws:cloudwatch:alarm"
    value  = aws_cloudwatch_metric_alarm.stop.arn
  }

  action {
    name      = "delay-orders-to-products"
    action_id = "aws:eks:pod-network-latency"

    parameter {
      key   = "duration"
      value = "PT10M"
    }

    parameter {
      key   = "delayMilliseconds"
      value = "1200"
    }

    parameter {
      key   = "jitterMilliseconds"
      value = "50"
    }

    parameter {
      key   = "sources"
      value = "shipshape-products.${var.eks.namespace}.svc.cluster.local"
    }

    parameter {
      key   = "kubernetesServiceAccount"
      value = var.eks.service_account
    }

    target {
      key   = "Pods"
      value = "orders"
    }
  }

  target {
    name           = "orders"
    resource_type  = "aws:eks:pod"
    selection_mode = "ALL"
    parameters = {
      clusterIdentifier = var.eks.cluster_arn
      namespace         = var.eks.namespace
      selectorType      = "labelSelector"
      selectorValue     = local.pod_selector["orders"]
    }
  }

  log_configuration {
    log_schema_version = 2

    cloudwatch_logs_configuration {
      log_group_arn = "${aws_cloudwatch_log_group.experiments.arn}:*"
    }
  }
}

resource "aws_fis_experiment_template" "task_stop" {
  count = var.ecs == null ? 0 : 1

  description = "service-killed on ECS: one products task stopped. Expect ShipshapeTargetDown for it, briefly."
  role_arn    = aws_iam_role.fis.arn
  tags        = merge(local.tags, { Name = "${var.name}-task-stop", "shipshape/scenario" = "service-killed" })

  stop_condition {
    source = "aws:cloudwatch:alarm"
    value  = aws_cloudwatch_metric_alarm.stop.arn
  }

  action {
    name      = "stop-products-task"
    action_id = "aws:ecs:stop-task"

    target {
      key   = "Tasks"
      value = "products"
    }
  }

  target {
    name           = "products"
    resource_type  = "aws:ecs:task"
    selection_mode = "COUNT(1)"
    parameters = {
      cluster = var.ecs.cluster_name
      service = "products"
    }
  }

  log_configuration {
    log_schema_version = 2

    cloudwatch_logs_configuration {
      log_group_arn = "${aws_cloudwatch_log_group.experiments.arn}:*"
    }
  }
}
