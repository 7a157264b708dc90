variable "name" {
  type        = string
  description = "Table name prefix, e.g. shipshape-dev; tables are <name>-<table>."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter (e.g. shipshape-dev)."
  }
}

variable "tables" {
  type = map(object({
    hash_key  = string
    range_key = optional(string)
  }))
  description = "Tables by short name with their string keys. Orders and inventory are used by the DynamoDB variant of the orders service."
  default = {
    orders    = { hash_key = "order_id" }
    inventory = { hash_key = "product_id" }
  }

  validation {
    condition     = alltrue([for table, keys in var.tables : can(regex("^[a-z][a-z0-9-]*$", table)) && can(regex("^[a-z][a-z0-9_]*$", keys.hash_key))])
    error_message = "tables keys must be lowercase names (orders) and hash_key a snake_case attribute name (order_id)."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse to delete tables (true in prod; false in dev so `terraform destroy` works)."
}
