terraform {
  required_providers {
    apikey = {
      source = "apikey-provider/apikey"
    }
  }
}

# Configured through the environment: APIKEY_BACKEND, APIKEY_ENDPOINT and
# APIKEY_TOKEN (see README.md).
provider "apikey" {}

variable "api_id" {
  description = "ID of the Unkey API the key belongs to (printed by make devserver)."
  type        = string
}

resource "apikey_key" "demo" {
  name = "quickstart"

  unkey = {
    api_id = var.api_id
    prefix = "demo"
  }
}

output "key_id" {
  value = apikey_key.demo.id
}

output "key_start" {
  description = "The first characters of the key, safe to show in logs and dashboards."
  value       = apikey_key.demo.start
}

output "plaintext" {
  description = "The key itself. It is returned once, at creation."
  value       = apikey_key.demo.plaintext
  sensitive   = true
}
