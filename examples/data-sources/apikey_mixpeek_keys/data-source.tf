# Every key of a user, revoked ones included.
data "apikey_mixpeek_keys" "ops" {
  user_email      = "ops@example.com"
  include_revoked = true
}

output "revoked_keys" {
  value = [for k in data.apikey_mixpeek_keys.ops.keys : k.name if k.status == "revoked"]
}
