# By role id, or by role name.
terraform import apikey_unkey_role.accountant role_1234567890abcdef
terraform import apikey_unkey_role.accountant accountant
