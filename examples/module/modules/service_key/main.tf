variable "api_id" {
  description = "ID of the Unkey API the key belongs to."
  type        = string
}

variable "service" {
  description = "Name of the service the key is for; also its prefix."
  type        = string
}

variable "roles" {
  description = "Roles of the key."
  type        = list(string)
  default     = []
}

resource "apikey_unkey_key" "this" {
  api_id            = var.api_id
  name              = "${var.service}-service"
  prefix            = substr(replace(var.service, "-", ""), 0, 8)
  roles             = var.roles
  meta              = jsonencode({ service = var.service })
  rotation_mode     = "reroll"
  rotate_after      = "2160h"
  warn_unused_after = "720h"
}

output "id" {
  value = apikey_unkey_key.this.id
}

output "start" {
  value = apikey_unkey_key.this.start
}

output "plaintext" {
  value     = apikey_unkey_key.this.plaintext
  sensitive = true
}
