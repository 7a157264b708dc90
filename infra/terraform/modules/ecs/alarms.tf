# Deployment alarms: a service whose 5xx share or p99 latency stays high fails its deployment, and ECS rolls back to
# the last good task definition. The gateway is measured at the ALB; the others by Service Connect (AWS/ECS,
# per discovery name), i.e. as the gateway and orders see them.
locals {
  alarm_metrics = {
    for name, service in var.services : name => name == "gateway" ? {
      namespace  = "AWS/ApplicationELB"
      dimensions = { LoadBalancer = aws_lb.this.arn_suffix, TargetGroup = aws_lb_target_group.gateway.arn_suffix }
      } : {
      namespace  = "AWS/ECS"
      dimensions = { ClusterName = var.name, ServiceName = name, DiscoveryName = name }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  for_each = var.services

  alarm_name          = "${var.name}-${each.key}-5xx-ratio"
  alarm_description   = "More than ${var.alarms.error_ratio * 100} % of ${each.key}'s answers are 5xx; fails and rolls back an ECS deployment."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarms.error_ratio
  evaluation_periods  = var.alarms.evaluation_periods
  datapoints_to_alarm = var.alarms.evaluation_periods
  treat_missing_data  = "notBreaching"

  metric_query {
    id          = "ratio"
    expression  = "IF(requests > 0, errors / requests, 0)"
    label       = "5xx ratio"
    return_data = true
  }

  metric_query {
    id = "errors"

    metric {
      namespace   = local.alarm_metrics[each.key].namespace
      metric_name = "HTTPCode_Target_5XX_Count"
      dimensions  = local.alarm_metrics[each.key].dimensions
      period      = var.alarms.period_seconds
      stat        = "Sum"
    }
  }

  metric_query {
    id = "requests"

    metric {
      namespace   = local.alarm_metrics[each.key].namespace
      metric_name = "RequestCount"
      dimensions  = local.alarm_metrics[each.key].dimensions
      period      = var.alarms.period_seconds
      stat        = "Sum"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "latency" {
  for_each = var.services

  alarm_name          = "${var.name}-${each.key}-p99-latency"
  alarm_description   = "${each.key}'s p99 latency is above ${var.alarms.latency_p99_seconds} s; fails and rolls back an ECS deployment."
  namespace           = local.alarm_metrics[each.key].namespace
  metric_name         = "TargetResponseTime"
  dimensions          = local.alarm_metrics[each.key].dimensions
  extended_statistic  = "p99"
  period              = var.alarms.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarms.latency_p99_seconds
  evaluation_periods  = var.alarms.evaluation_periods
  datapoints_to_alarm = var.alarms.evaluation_periods
  treat_missing_data  = "notBreaching"
}
