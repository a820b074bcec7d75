# Permissions are checked at verification time (keys.verifyKey permissions = "invoices.read").
resource "apikey_unkey_permission" "invoices_read" {
  name        = "Read invoices"
  slug        = "invoices.read"
  description = "List and download invoices"
}

resource "apikey_unkey_permission" "invoices_write" {
  name = "Write invoices"
  slug = "invoices.write"
}
