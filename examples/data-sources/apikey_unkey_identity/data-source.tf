# An identity by external id (or set id instead).
data "apikey_unkey_identity" "customer" {
  external_id = var.external_id
}

output "customer_plan" {
  value = jsondecode(coalesce(data.apikey_unkey_identity.customer.meta, "{}"))
}
