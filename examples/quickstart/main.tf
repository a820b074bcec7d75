terraform {
  required_providers {
    apikey = {
      source = "apikey-provider/apikey"
    }
  }
}

# Configured through the environment: UNKEY_ENDPOINT and UNKEY_ROOT_KEY (see README.md).
provider "apikey" {}

variable "api_id" {
  description = "ID of the Unkey API the key belongs to (printed by make devserver)."
  type        = string
}

resource "apikey_unkey_key" "demo" {
  api_id = var.api_id
  name   = "quickstart"
  prefix = "demo"
}

output "key_id" {
  value = apikey_unkey_key.demo.id
}

output "key_start" {
  description = "The first characters of the key, safe to show in logs and dashboards."
  value       = apikey_unkey_key.demo.start
}

output "plaintext" {
  description = "The key itself. It is returned once, at creation."
  value       = apikey_unkey_key.demo.plaintext
  sensitive   = true
}
