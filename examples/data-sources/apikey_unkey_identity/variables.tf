variable "external_id" {
  description = "Your id for the customer, as given to Unkey (externalId)."
  type        = string
}
