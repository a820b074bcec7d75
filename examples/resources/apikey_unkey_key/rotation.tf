# Rotation without downtime: a new key is created before the old one is destroyed, and the old
# key keeps working for 24 hours after its replacement exists so consumers can switch over.
resource "apikey_unkey_key" "worker" {
  api_id              = var.api_id
  name                = "worker"
  prefix              = "wrk"
  expire_after        = "720h" # every key lives 30 days
  rotate_after        = "600h" # a plan replaces it after 25 days
  revoke_grace_period = "24h"  # the old key expires 24h after the new one is created

  # Any change here also replaces the key, e.g. a time_rotating id or a manual counter.
  rotation_triggers = {
    generation = "1"
  }

  lifecycle {
    create_before_destroy = true
  }
}
