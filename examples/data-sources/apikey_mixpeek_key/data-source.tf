data "apikey_mixpeek_key" "reporting" {
  user_email = "ops@example.com"
  id         = "key_a1b2c3d4e5f6g7h"
}

output "reporting_key_status" {
  value = data.apikey_mixpeek_key.reporting.status
}
