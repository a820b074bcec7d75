# By permission id, or by slug.
terraform import apikey_unkey_permission.invoices_read perm_2cGKbMxRyIzhCxo1Idjz8q
terraform import apikey_unkey_permission.invoices_read invoices.read
