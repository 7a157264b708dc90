output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "IPv4 CIDR of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "azs" {
  description = "Availability zones the subnets are spread over."
  value       = local.azs
}

output "public_subnet_ids" {
  description = "Public subnets (internet-facing load balancers, NAT gateways), one per zone."
  value       = [for az in local.azs : aws_subnet.public[az].id]
}

output "private_app_subnet_ids" {
  description = "Private subnets for EKS nodes and pods, one per zone."
  value       = [for az in local.azs : aws_subnet.private_app[az].id]
}

output "private_data_subnet_ids" {
  description = "Private subnets without internet routes for Aurora and ElastiCache, one per zone."
  value       = [for az in local.azs : aws_subnet.private_data[az].id]
}

output "nat_public_ips" {
  description = "Public IPs the cluster's outbound traffic leaves from (for allow-lists elsewhere)."
  value       = [for eip in aws_eip.nat : eip.public_ip]
}

output "public_subnet_cidrs" {
  description = "CIDRs of the public subnets, where the ALB's nodes live (for NetworkPolicy ingress with target-type ip)."
  value       = [for az in local.azs : aws_subnet.public[az].cidr_block]
}

output "private_data_subnet_cidrs" {
  description = "CIDRs of the data subnets, where Aurora and ElastiCache live (for NetworkPolicy egress)."
  value       = [for az in local.azs : aws_subnet.private_data[az].cidr_block]
}
