# An API (keyspace) and a key in it. The key refers to the API, so Terraform creates the API
# first and, on destroy, deletes the key before the API.
resource "apikey_unkey_api" "payments" {
  name = "payments-production"

  # Destroying an API deletes every key in it, including keys Terraform does not manage; a plan
  # that would do so fails unless this is set (and applied) first.
  # delete_with_keys = true
}

resource "apikey_unkey_key" "checkout" {
  api_id = apikey_unkey_api.payments.id
  name   = "checkout-service"
}
