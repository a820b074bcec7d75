# An identity: the customer that owns keys. Its metadata is returned when any of its keys is
# verified, and its rate limits are shared by all of them.
resource "apikey_unkey_identity" "acme" {
  external_id = "org_acme"
  meta        = jsonencode({ plan = "enterprise", seats = 250 })

  ratelimits = [
    { name = "requests", limit = 10000, duration = "1m", auto_apply = true },
    { name = "exports", limit = 100, duration = "24h" },
  ]
}

resource "apikey_unkey_key" "acme_ci" {
  api_id      = var.api_id
  name        = "acme-ci"
  external_id = apikey_unkey_identity.acme.external_id
}
