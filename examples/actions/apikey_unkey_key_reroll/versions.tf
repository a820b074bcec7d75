terraform {
  # Actions need Terraform 1.14 or later; OpenTofu has no action blocks.
  required_version = ">= 1.14.0"
  required_providers {
    apikey = {
      source = "apikey-provider/apikey"
    }
  }
}
