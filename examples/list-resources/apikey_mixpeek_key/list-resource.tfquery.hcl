# discover.tfquery.hcl: run with `terraform query` (Terraform 1.14 or later), next to a
# configuration that declares the provider. Add -generate-config-out=imported.tf to write a
# resource and an import block for every key found.
list "apikey_mixpeek_key" "ops" {
  provider         = apikey
  include_resource = true

  config {
    user_email  = "ops@example.com"
    name_prefix = "reporting-"
  }
}

# Revoked keys too, for an audit; they cannot be imported.
list "apikey_mixpeek_key" "audit" {
  provider = apikey

  config {
    user_email      = "ops@example.com"
    include_revoked = true
  }
}
