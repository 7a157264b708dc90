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
    range_key = string
    indexes = optional(list(object({
      name      = string
      hash_key  = string
      range_key = string
    })), [])
    ttl_attribute = optional(string)
  }))
  description = "Tables by short name with their string keys, sparse global secondary indexes and TTL attribute: orders (the orders service's orders and Idempotency-Key records) and catalog (the products service's products, stock and reservations). See docs/decisions/0003-dynamodb-table-design.md."
  default = {
    orders = {
      hash_key  = "pk"
      range_key = "sk"
      indexes = [
        { name = "gsi1", hash_key = "gsi1pk", range_key = "gsi1sk" },
        { name = "gsi2", hash_key = "gsi2pk", range_key = "gsi2sk" },
        { name = "gsi3", hash_key = "gsi3pk", range_key = "gsi3sk" },
      ]
      ttl_attribute = "expiresAt"
    }
    catalog = {
      hash_key  = "pk"
      range_key = "sk"
      indexes   = [{ name = "gsi1", hash_key = "gsi1pk", range_key = "gsi1sk" }]
    }
  }

  validation {
    condition     = alltrue([for table, keys in var.tables : can(regex("^[a-z][a-z0-9-]*$", table)) && can(regex("^[a-z][A-Za-z0-9_]*$", keys.hash_key)) && can(regex("^[a-z][A-Za-z0-9_]*$", keys.range_key))])
    error_message = "tables keys must be lowercase names (orders) and hash_key/range_key attribute names (pk, sk)."
  }

  validation {
    condition     = alltrue([for table, keys in var.tables : length(keys.indexes) <= 20])
    error_message = "A DynamoDB table has at most 20 global secondary indexes."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse to delete tables (true in prod; false in dev so `terraform destroy` works)."
}
