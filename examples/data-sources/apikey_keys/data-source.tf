# Every key of an API whose name starts with "ci-", across all pages.
data "apikey_keys" "ci" {
  name_prefix = "ci-"
  unkey = {
    api_id = var.api_id
  }
}

output "ci_key_ids" {
  value = [for k in data.apikey_keys.ci.keys : k.id]
}
