variable "name" {
  type        = string
  description = "Name prefix for every network resource, e.g. shipshape-dev."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter (e.g. shipshape-dev)."
  }
}

variable "cidr" {
  type        = string
  description = "IPv4 CIDR of the VPC. A /16 is split into /24 public, /20 private-app (pods take VPC addresses) and /24 private-data subnets."

  validation {
    condition     = can(cidrhost(var.cidr, 0)) && endswith(var.cidr, "/16")
    error_message = "cidr must be a valid /16 such as 10.20.0.0/16; pick one that does not overlap networks you peer with."
  }
}

variable "az_count" {
  type        = number
  description = "How many availability zones to spread subnets over."
  default     = 3

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "az_count must be 2 or 3: EKS and Aurora need subnets in at least two zones."
  }
}

variable "single_nat_gateway" {
  type        = bool
  description = "One NAT gateway shared by all zones (cheap, for dev) instead of one per zone (survives a zone outage, for prod)."
  default     = false
}

variable "interface_endpoints" {
  type        = set(string)
  description = "AWS services to reach through interface VPC endpoints instead of the NAT gateway (each costs per zone and hour)."
  default     = []

  validation {
    condition     = alltrue([for service in var.interface_endpoints : contains(["ecr.api", "ecr.dkr", "sts", "secretsmanager", "logs"], service)])
    error_message = "interface_endpoints may only hold ecr.api, ecr.dkr, sts, secretsmanager and logs; S3 always gets a free gateway endpoint."
  }
}

variable "flow_log_retention_days" {
  type        = number
  description = "Days to keep VPC flow logs in CloudWatch."
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be a retention CloudWatch accepts, such as 7, 14, 30, 90 or 365."
  }
}

variable "log_kms_key_arn" {
  type        = string
  description = "ARN of the KMS key that encrypts CloudWatch log groups (from the observability module)."
}

variable "cluster_name" {
  type        = string
  description = "Name of the EKS cluster that will use this VPC; subnets are tagged for its load balancers."
}
