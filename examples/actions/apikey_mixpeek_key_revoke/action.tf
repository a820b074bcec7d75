resource "apikey_mixpeek_key" "reporting" {
  user_email = "ops@example.com"
  name       = "reporting-service"
}

# Revocation cannot be undone. The next refresh removes apikey_mixpeek_key.reporting from state
# with a warning and the plan creates a new key with the same name.
#   terraform apply -invoke=action.apikey_mixpeek_key_revoke.reporting
action "apikey_mixpeek_key_revoke" "reporting" {
  config {
    user_email = apikey_mixpeek_key.reporting.user_email
    key_id     = apikey_mixpeek_key.reporting.id
  }
}
