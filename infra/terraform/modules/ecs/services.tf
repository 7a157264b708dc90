# One task definition and one service per Shipshape service. The container runs as the image's non-root user with
# a read-only root filesystem (a task-scoped volume for /tmp, as the chart's emptyDir), the image's own health
# check, logs to CloudWatch, configuration as env (names from the service's config schema) and secrets from
# Secrets Manager.
resource "aws_cloudwatch_log_group" "service" {
  for_each = var.services

  name              = "/ecs/${var.name}/${each.key}"
  retention_in_days = var.logs.retention_days
  kms_key_id        = var.logs.kms_key_arn
}

resource "aws_ecs_task_definition" "service" {
  for_each = var.services

  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["EC2"]
  network_mode             = "awsvpc"
  cpu                      = tostring(each.value.cpu)
  memory                   = tostring(each.value.memory)
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task[each.key].arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([
    {
      name                   = each.key
      image                  = each.value.image
      essential              = true
      user                   = "10001:10001"
      readonlyRootFilesystem = true
      privileged             = false
      portMappings = [{
        name          = each.key
        containerPort = each.value.port
        protocol      = "tcp"
        appProtocol   = "http"
      }]
      environment = [for key, value in merge(each.value.environment, { PORT = tostring(each.value.port) }) : { name = key, value = value }]
      secrets     = [for key, value_from in each.value.secrets : { name = key, valueFrom = value_from }]
      mountPoints = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
      # The image's HEALTHCHECK (the root Dockerfile): GET /health on the service's port.
      healthCheck = {
        command     = ["CMD", "node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
        interval    = 10
        timeout     = 3
        retries     = 3
        startPeriod = 20
      }
      # Leaves room for SHUTDOWN_DRAIN_MS + SHUTDOWN_TIMEOUT_MS after SIGTERM.
      stopTimeout = 30
      linuxParameters = {
        capabilities = { drop = ["ALL"] }
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.service[each.key].name
          awslogs-region        = var.region
          awslogs-stream-prefix = each.key
        }
      }
    },
  ])
}

resource "aws_ecs_service" "service" {
  for_each = var.services

  name                               = each.key
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.service[each.key].arn
  desired_count                      = each.value.desired_count
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  enable_execute_command             = false
  propagate_tags                     = "SERVICE"
  health_check_grace_period_seconds  = each.key == "gateway" ? 30 : null

  capacity_provider_strategy {
    capacity_provider = aws_ecs_capacity_provider.this.name
    weight            = 1
  }

  # CKV_AWS_333: tasks have private addresses only.
  network_configuration {
    subnets          = var.network.private_subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  # A deployment whose tasks never become healthy stops and rolls back by itself ...
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # ... and so does one that starts answering 5xx or slowly (alarms.tf).
  alarms {
    alarm_names = [aws_cloudwatch_metric_alarm.errors[each.key].alarm_name, aws_cloudwatch_metric_alarm.latency[each.key].alarm_name]
    enable      = true
    rollback    = true
  }

  # Service Connect: users, products, orders and conduit are reachable as http://<name>:<port>; the gateway is a client only.
  service_connect_configuration {
    enabled   = true
    namespace = aws_service_discovery_http_namespace.this.arn

    dynamic "service" {
      for_each = each.key == "gateway" ? [] : [each.key]

      content {
        port_name      = each.key
        discovery_name = each.key

        client_alias {
          port     = each.value.port
          dns_name = each.key
        }
      }
    }
  }

  dynamic "load_balancer" {
    for_each = each.key == "gateway" ? [aws_lb_target_group.gateway.arn] : []

    content {
      target_group_arn = load_balancer.value
      container_name   = each.key
      container_port   = each.value.port
    }
  }

  depends_on = [aws_ecs_cluster_capacity_providers.this, aws_lb_listener.https, aws_lb_listener.http]

  lifecycle {
    # Deploys change the image through a new task definition revision (docs/deploy-ecs.md), not through Terraform.
    ignore_changes = [task_definition]
  }
}
