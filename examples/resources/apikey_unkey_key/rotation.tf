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

# The same rotation in place, without create_before_destroy: a reroll gives the resource a new key
# with the same settings, and the old key keeps working for revoke_grace_period, shown in
# previous_key until the first refresh after its deadline deletes it.
resource "apikey_unkey_key" "worker_in_place" {
  api_id              = var.api_id
  name                = "worker-in-place"
  prefix              = "wrk"
  rotation_mode       = "reroll"
  rotate_after        = "600h"
  revoke_grace_period = "24h"
  warn_unused_after   = "168h" # plans warn when the key has not been used for a week
}
