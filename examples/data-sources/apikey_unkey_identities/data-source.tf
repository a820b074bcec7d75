# Every identity whose external id contains "org_", across all pages.
data "apikey_unkey_identities" "orgs" {
  search = "org_"
}

output "org_external_ids" {
  value = [for i in data.apikey_unkey_identities.orgs.identities : i.external_id]
}
