# Every permission of the workspace, across all pages.
data "apikey_unkey_permissions" "all" {}

output "permission_slugs" {
  value = [for p in data.apikey_unkey_permissions.all.permissions : p.slug]
}
