terraform {
  required_providers {
    apikey = {
      source = "apikey-provider/apikey"
    }
  }
}

# Configured through the environment: UNKEY_ENDPOINT and UNKEY_ROOT_KEY (see README.md).
provider "apikey" {}

# The API (keyspace) the key lives in. Destroying it deletes every key in it, so a plan that
# would delete keys Terraform does not manage fails; the key below is destroyed first.
resource "apikey_unkey_api" "demo" {
  name = "quickstart"
}

resource "apikey_unkey_key" "demo" {
  api_id = apikey_unkey_api.demo.id
  name   = "quickstart"
  prefix = "demo"
}

output "api_id" {
  description = "The API the key belongs to."
  value       = apikey_unkey_api.demo.id
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
