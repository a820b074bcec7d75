# With provider "apikey" { backend = "mixpeek" }: an organization API key owned by a user.
resource "apikey_key" "reporting" {
  name        = "reporting-service"
  permissions = ["read"]

  mixpeek = {
    user_email          = "ops@example.com"
    description         = "Read-only key for the reporting job"
    rate_limit_override = 120
    scopes = [
      { resource_type = "namespace", resource_id = "ns_reporting", operations = ["read_data"] },
    ]
  }
}
