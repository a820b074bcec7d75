# Every role whose name contains "support", across all pages.
data "apikey_unkey_roles" "support" {
  search = "support"
}

output "support_roles" {
  value = { for r in data.apikey_unkey_roles.support.roles : r.name => r.permissions }
}
