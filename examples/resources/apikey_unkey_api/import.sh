# By API id.
terraform import apikey_unkey_api.payments api_9PqXo4Yj3EDGxY1WZ7g8
