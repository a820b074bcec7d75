variable "key_id" {
  description = "Id of a recoverable key, for example apikey_unkey_key.internal.id."
  type        = string
}

# Reveal a recoverable key for this run only and hand it to a write-only argument of another
# resource (or a provider block): the plaintext never reaches the plan or the state.
ephemeral "apikey_unkey_key" "internal" {
  id = var.key_id
}

locals {
  # For example: secret_string_wo = ephemeral.apikey_unkey_key.internal.plaintext
  internal_key_start = ephemeral.apikey_unkey_key.internal.start
}
