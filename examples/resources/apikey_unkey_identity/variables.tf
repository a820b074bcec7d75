variable "api_id" {
  description = "ID of the Unkey API the key belongs to, for example apikey_unkey_api.billing.id."
  type        = string
}
