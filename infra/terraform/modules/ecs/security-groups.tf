# Three groups: the ALB (the only thing the internet reaches), the tasks (gateway from the ALB; the others only from
# tasks, through Service Connect), and the instances (no inbound at all).
resource "aws_security_group" "alb" {
  name_prefix = "${var.name}-ecs-alb-"
  description = "Public ALB in front of the ${var.name} gateway"
  vpc_id      = var.network.vpc_id

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  count = var.load_balancer.certificate_arn == null ? 0 : 1

  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from the internet"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  for_each = toset(var.load_balancer.certificate_arn == null ? var.load_balancer.http_cidrs : [])

  security_group_id = aws_security_group.alb.id
  description       = "Plain HTTP from an allowed network (no certificate configured)"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_egress_rule" "alb_to_gateway" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To the gateway tasks only"
  ip_protocol                  = "tcp"
  from_port                    = var.services["gateway"].port
  to_port                      = var.services["gateway"].port
  referenced_security_group_id = aws_security_group.tasks.id
}

resource "aws_security_group" "tasks" {
  name_prefix = "${var.name}-ecs-tasks-"
  description = "ECS tasks of ${var.name} (awsvpc)"
  vpc_id      = var.network.vpc_id

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_alb" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "Gateway from the ALB"
  ip_protocol                  = "tcp"
  from_port                    = var.services["gateway"].port
  to_port                      = var.services["gateway"].port
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_tasks" {
  for_each = local.internal_services

  security_group_id            = aws_security_group.tasks.id
  description                  = "${each.key} from the other tasks (Service Connect)"
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = aws_security_group.tasks.id
}

resource "aws_vpc_security_group_egress_rule" "tasks" {
  security_group_id = aws_security_group.tasks.id
  description       = "AWS APIs (DynamoDB, Secrets Manager, logs), PostgreSQL, Redis and the other tasks"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_security_group" "instances" {
  name_prefix = "${var.name}-ecs-instances-"
  description = "ECS container instances of ${var.name}: no inbound, outbound to ECS, ECR and SSM"
  vpc_id      = var.network.vpc_id

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_egress_rule" "instances" {
  security_group_id = aws_security_group.instances.id
  description       = "ECS agent, image pulls and SSM"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}
