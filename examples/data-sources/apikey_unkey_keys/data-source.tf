# Every key of an API whose name starts with "ci-", across all pages.
data "apikey_unkey_keys" "ci" {
  api_id      = var.api_id
  name_prefix = "ci-"
}

output "ci_key_ids" {
  value = [for k in data.apikey_unkey_keys.ci.keys : k.id]
}
