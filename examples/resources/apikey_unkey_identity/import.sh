# By identity id, or by external id.
terraform import apikey_unkey_identity.acme id_1234567890abcdef
terraform import apikey_unkey_identity.acme org_acme
