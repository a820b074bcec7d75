terraform {
  required_providers {
    apikey = {
      source = "apikey-provider/apikey"
    }
  }
}
