data "apikey_unkey_key" "billing" {
  id = "key_3ZTvZc5Ukaa8WgWhHTWPB1mE"
}

output "billing_key_status" {
  value = data.apikey_unkey_key.billing.status
}
