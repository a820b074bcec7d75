# A reusable module that issues a key per service. The root module configures the provider once;
# the module only declares which provider it needs (modules/service_key/versions.tf).
provider "apikey" {}

variable "api_id" {
  description = "ID of the Unkey API the keys belong to."
  type        = string
}

module "billing" {
  source  = "./modules/service_key"
  api_id  = var.api_id
  service = "billing"
}

module "reporting" {
  source  = "./modules/service_key"
  api_id  = var.api_id
  service = "reporting"
  roles   = ["reports.viewer"]
}

output "key_starts" {
  value = {
    billing   = module.billing.start
    reporting = module.reporting.start
  }
}
