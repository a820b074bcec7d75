resource "apikey_unkey_key" "billing" {
  api_id      = "api_9PqXo4Yj3EDGxY1WZ7g8"
  name        = "billing-service"
  prefix      = "bill"
  recoverable = true
}

# Run on demand, without planning anything else:
#   terraform apply -invoke=action.apikey_unkey_key_reroll.billing
# The old key keeps verifying for `overlap`; the next refresh moves apikey_unkey_key.billing to
# the new key, and the next plan is empty.
action "apikey_unkey_key_reroll" "billing" {
  config {
    key_id  = apikey_unkey_key.billing.id
    overlap = "15m"
  }
}

# The replacement of a recoverable key is recoverable: reveal it for one run.
ephemeral "apikey_unkey_key" "billing" {
  id = apikey_unkey_key.billing.id
}
