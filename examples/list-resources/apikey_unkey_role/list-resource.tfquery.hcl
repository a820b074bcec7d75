# discover.tfquery.hcl: run with `terraform query` (Terraform 1.14 or later), next to a
# configuration that declares the provider. Add -generate-config-out=imported.tf to write a
# resource and an import block for every role found.
list "apikey_unkey_role" "all" {
  provider         = apikey
  include_resource = true
  # At most this many results (Terraform's default is 100); every page of the API is read.
  limit = 1000
}

list "apikey_unkey_role" "support" {
  provider = apikey

  config {
    search = "support"
  }
}
