resource "apikey_unkey_key" "partner" {
  api_id = "api_9PqXo4Yj3EDGxY1WZ7g8"
  name   = "partner-integration"
  # After `mode = "disable"`, set this to false too, or the next apply enables the key again.
  enabled = true
}

#   terraform apply -invoke=action.apikey_unkey_key_revoke.partner
action "apikey_unkey_key_revoke" "partner" {
  config {
    key_id = apikey_unkey_key.partner.id
    mode   = "disable" # or "delete": the next plan then creates a new key
  }
}

# An action can also run as part of an apply, after a resource changes.
resource "terraform_data" "incident" {
  input = var.incident_id
  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.apikey_unkey_key_revoke.partner]
    }
  }
}

variable "incident_id" {
  type        = string
  description = "Set to a new incident id to revoke the partner key as part of the next apply."
}
