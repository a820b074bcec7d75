# A key on Unkey with every setting the API offers.
resource "apikey_unkey_key" "billing" {
  api_id      = var.api_id
  name        = "billing-service"
  prefix      = "sk_live"
  byte_length = 32
  permissions = ["invoices.read", "invoices.write"]
  roles       = ["support"]
  external_id = "team_billing"
  meta        = jsonencode({ team = "billing", tier = "gold" })
  expires_at  = "2027-06-30T00:00:00Z"

  credits = {
    remaining = 10000
    refill    = { interval = "monthly", amount = 10000, refill_day = 1 }
  }

  ratelimits = [
    { name = "requests", limit = 100, duration = "1m", auto_apply = true },
  ]
}

output "billing_key" {
  value     = apikey_unkey_key.billing.plaintext
  sensitive = true
}
