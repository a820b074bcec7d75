# Unkey: by key id, or by API id and key id (the API id is then known without configuration).
terraform import apikey_key.billing key_3ZTvZc5Ukaa8WgWhHTWPB1mE
terraform import apikey_key.billing api_9PqXo4Yj3EDGxY1WZ7g8/key_3ZTvZc5Ukaa8WgWhHTWPB1mE

# Mixpeek: by owner email and key id.
terraform import apikey_key.reporting ops@example.com/key_a1b2c3d4e5f6g7h
