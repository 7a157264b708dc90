# These module calls used to sit in this root; the moved blocks let `terraform plan` find what an existing state
# holds at the old addresses instead of destroying and recreating it.

moved {
  from = module.observability
  to   = module.shipshape.module.observability
}

moved {
  from = module.network
  to   = module.shipshape.module.network
}

moved {
  from = module.eks
  to   = module.shipshape.module.eks
}

moved {
  from = module.ecr
  to   = module.shipshape.module.ecr
}

moved {
  from = module.database
  to   = module.shipshape.module.database
}

moved {
  from = module.secrets
  to   = module.shipshape.module.secrets
}

moved {
  from = module.cache
  to   = module.shipshape.module.cache
}

moved {
  from = module.dynamodb
  to   = module.shipshape.module.dynamodb
}

moved {
  from = module.iam
  to   = module.shipshape.module.iam
}

moved {
  from = module.helm_values
  to   = module.shipshape.module.helm_values
}
