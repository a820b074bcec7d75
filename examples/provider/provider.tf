# The token is read from the environment (APIKEY_TOKEN, then UNKEY_ROOT_KEY or
# MIXPEEK_API_KEY), so no secret appears in configuration or version control.
provider "apikey" {
  backend = "unkey" # or "mixpeek"; defaults to "unkey"

  # Optional: another endpoint, such as the local backend server started with
  # `make devserver`. Defaults to the backend's public URL.
  # endpoint = "http://127.0.0.1:8787"

  request_timeout = "30s"
}
