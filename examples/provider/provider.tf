# Credentials come from the environment (UNKEY_ROOT_KEY, MIXPEEK_API_KEY), so no secret appears
# in configuration or version control. Configure one backend or both; a resource of a backend
# that is not configured fails at plan and says what to set.
provider "apikey" {
  unkey = {
    # root_key = var.unkey_root_key  # or UNKEY_ROOT_KEY
    # endpoint = "http://127.0.0.1:8787"  # the local backend server; or UNKEY_ENDPOINT
  }

  mixpeek = {
    # api_key = var.mixpeek_api_key  # or MIXPEEK_API_KEY
  }

  request_timeout = "30s"
}
