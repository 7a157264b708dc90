# Shipshape on ECS backed by EC2: a cluster whose capacity provider scales an Auto Scaling group of ECS-optimised
# Amazon Linux 2023 instances, the four services as awsvpc tasks that find each other through Service Connect, and
# a public ALB that reaches only the gateway. Same images and configuration schema as the Helm chart.
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  # Service Connect names: other services reach users at http://users:3001, as in the chart and compose.
  internal_services = { for name, service in var.services : name => service if name != "gateway" }
}

resource "aws_service_discovery_http_namespace" "this" {
  name        = var.name
  description = "Service Connect namespace of ${var.name}."
}

resource "aws_ecs_cluster" "this" {
  name = var.name

  # CKV_AWS_65: per-task CPU, memory and network metrics in CloudWatch.
  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  service_connect_defaults {
    namespace = aws_service_discovery_http_namespace.this.arn
  }
}

resource "aws_ecs_capacity_provider" "this" {
  name = var.name

  auto_scaling_group_provider {
    auto_scaling_group_arn = aws_autoscaling_group.this.arn
    # ECS protects instances that run tasks from scale-in, and drains an instance before it terminates.
    managed_termination_protection = "ENABLED"
    managed_draining               = "ENABLED"

    managed_scaling {
      status                    = "ENABLED"
      target_capacity           = 100
      minimum_scaling_step_size = 1
      maximum_scaling_step_size = 2
      instance_warmup_period    = 120
    }
  }
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = [aws_ecs_capacity_provider.this.name]

  default_capacity_provider_strategy {
    capacity_provider = aws_ecs_capacity_provider.this.name
    weight            = 1
    base              = 0
  }
}
