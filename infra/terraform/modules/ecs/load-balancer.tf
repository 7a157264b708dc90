# The public entry: an ALB whose only target is the gateway. The other services have no listener or target group.
resource "aws_lb" "this" {
  name                       = "${var.name}-ecs"
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.network.public_subnet_ids
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  idle_timeout               = 60
}

resource "aws_lb_target_group" "gateway" {
  name_prefix = "gw-"
  port        = var.services["gateway"].port
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = var.network.vpc_id
  # Matches SHUTDOWN_DRAIN_MS: a stopping task reports not-ready while the ALB stops sending to it.
  deregistration_delay = 10

  health_check {
    path                = "/ready"
    matcher             = "200"
    interval            = 10
    timeout             = 3
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener" "https" {
  count = var.load_balancer.certificate_arn == null ? 0 : 1

  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.load_balancer.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.gateway.arn
  }
}

resource "aws_lb_listener" "http" {
  count = var.load_balancer.certificate_arn == null ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.gateway.arn
  }
}
