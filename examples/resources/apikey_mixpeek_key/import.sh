# By owner email and key id.
terraform import apikey_mixpeek_key.reporting ops@example.com/key_a1b2c3d4e5f6g7h
