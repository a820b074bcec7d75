variable "api_id" {
  description = "ID of an existing Unkey API."
  type        = string
}
