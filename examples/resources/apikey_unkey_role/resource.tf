resource "apikey_unkey_permission" "invoices_read" {
  name = "Read invoices"
  slug = "invoices.read"
}

# A role grants its permissions to every key that has it. The permissions update in place.
resource "apikey_unkey_role" "accountant" {
  name        = "accountant"
  description = "Reads invoices and exports reports"
  permissions = [
    apikey_unkey_permission.invoices_read.slug,
    "reports.export", # created by Unkey if it does not exist yet
  ]
}

resource "apikey_unkey_key" "bookkeeping" {
  api_id = var.api_id
  name   = "bookkeeping"
  roles  = [apikey_unkey_role.accountant.name]
}
