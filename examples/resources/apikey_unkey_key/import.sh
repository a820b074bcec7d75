# By key id, or by API id and key id (the import then checks the key is in that API).
terraform import apikey_unkey_key.billing key_3ZTvZc5Ukaa8WgWhHTWPB1mE
terraform import apikey_unkey_key.billing api_9PqXo4Yj3EDGxY1WZ7g8/key_3ZTvZc5Ukaa8WgWhHTWPB1mE
