# An organization API key owned by a Mixpeek user.
resource "apikey_mixpeek_key" "reporting" {
  user_email          = "ops@example.com"
  name                = "reporting-service"
  description         = "Read-only key for the reporting job"
  permissions         = ["read"]
  rate_limit_override = 120
  expires_at          = "2027-06-30T00:00:00Z"

  scopes = [
    { resource_type = "namespace", resource_id = "ns_reporting", operations = ["read_data"] },
  ]
}

output "reporting_key" {
  value     = apikey_mixpeek_key.reporting.plaintext
  sensitive = true
}
