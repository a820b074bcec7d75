variable "api_id" {
  description = "ID of the Unkey API the keys belong to, for example apikey_unkey_api.billing.id."
  type        = string
}
