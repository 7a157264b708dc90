variable "name" {
  type        = string
  description = "Name prefix of every resource, e.g. shipshape-dev."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter (e.g. shipshape-dev)."
  }
}

variable "region" {
  type        = string
  description = "AWS region (for the awslogs driver and the Secrets Manager ARNs)."
}

variable "network" {
  type = object({
    vpc_id             = string
    public_subnet_ids  = list(string)
    private_subnet_ids = list(string)
  })
  description = "Where things run: the ALB in the public subnets, the EC2 instances and tasks (awsvpc) in the private app subnets."
}

variable "instances" {
  type = object({
    instance_type = string
    min_size      = number
    max_size      = number
    disk_size_gib = optional(number, 30)
  })
  description = "The Auto Scaling group behind the capacity provider. Managed scaling keeps it between min_size and max_size; t3.micro/t2.micro stay within the free tier (1 GiB each, four small tasks need two)."

  validation {
    condition     = var.instances.min_size >= 1 && var.instances.max_size >= var.instances.min_size && var.instances.max_size <= 20
    error_message = "instances needs 1 <= min_size <= max_size <= 20."
  }

  validation {
    condition     = var.instances.disk_size_gib >= 30
    error_message = "instances.disk_size_gib must be at least 30: the ECS-optimised AL2023 AMI's root volume is 30 GiB."
  }
}

variable "services" {
  type = map(object({
    image         = string
    port          = number
    cpu           = optional(number, 256)
    memory        = optional(number, 256)
    desired_count = optional(number, 1)
    environment   = optional(map(string), {})
    # Env name => Secrets Manager secret ARN with ":<json-key>::" (ECS fetches it at start; never in Terraform state).
    secrets = optional(map(string), {})
    # The service's own DynamoDB table (STORE=dynamodb); its task role may use it and nothing else.
    dynamodb_table_arn = optional(string)
  }))
  description = "The services by name (gateway, users, products, orders, conduit): image (same ECR image the chart deploys), port, task size, count, and the configuration (env names from services/<name>/src/config.ts, like the chart)."

  validation {
    condition     = contains(keys(var.services), "gateway") && alltrue([for name in keys(var.services) : contains(["gateway", "users", "products", "orders", "conduit"], name)])
    error_message = "services must include gateway and may hold only gateway, users, products, orders and conduit."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.memory >= 128 && s.cpu >= 128])
    error_message = "Each service needs at least 128 CPU units and 128 MiB (the images size V8 for 256 MiB)."
  }
}

variable "secrets_kms_key_arns" {
  type        = list(string)
  description = "KMS keys that encrypt the secrets the tasks read (the execution role may decrypt with them through Secrets Manager only)."
}

variable "dynamodb_kms_key_arn" {
  type        = string
  description = "KMS key of the DynamoDB tables (task roles may use it through DynamoDB only)."
  default     = null
}

variable "logs" {
  type = object({
    kms_key_arn    = string
    retention_days = number
  })
  description = "CloudWatch Logs: the key that encrypts the services' log groups and how long they are kept."
}

variable "load_balancer" {
  type = object({
    certificate_arn = optional(string)
    # Without a certificate the ALB serves plain HTTP, and only to these CIDRs (never the whole internet).
    http_cidrs = optional(list(string), [])
  })
  description = "The public ALB in front of the gateway (and only the gateway). With certificate_arn: HTTPS on 443 for everyone, HTTP redirects. Without: HTTP on 80 for http_cidrs only."

  validation {
    condition     = alltrue([for cidr in var.load_balancer.http_cidrs : can(cidrhost(cidr, 0)) && cidr != "0.0.0.0/0"])
    error_message = "load_balancer.http_cidrs must be CIDRs and never 0.0.0.0/0; plain HTTP is for your own IP (curl -s https://checkip.amazonaws.com)/32. Use a certificate for public traffic."
  }
}

variable "alarms" {
  type = object({
    error_ratio         = optional(number, 0.05)
    latency_p99_seconds = optional(number, 1)
    evaluation_periods  = optional(number, 3)
    period_seconds      = optional(number, 60)
  })
  description = "Deployment alarms per service: the share of 5xx answers and the p99 latency that, held for evaluation_periods, fail a deployment and roll it back."
  default     = {}

  validation {
    condition     = var.alarms.error_ratio > 0 && var.alarms.error_ratio < 1 && var.alarms.latency_p99_seconds > 0
    error_message = "alarms.error_ratio must be between 0 and 1 (0.05 = 5 %) and latency_p99_seconds above 0."
  }
}
