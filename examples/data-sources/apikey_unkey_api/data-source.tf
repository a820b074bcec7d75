# An API made in the dashboard, so Terraform manages keys in it without managing the API.
data "apikey_unkey_api" "legacy" {
  id = var.api_id
}

resource "apikey_unkey_key" "worker" {
  api_id = data.apikey_unkey_api.legacy.id
  name   = "worker for ${data.apikey_unkey_api.legacy.name}"
}
