# Reveal a recoverable key for this run only and hand it to a write-only argument of another
# resource: the plaintext never reaches the plan or the state.
ephemeral "apikey_key" "internal" {
  id = apikey_key.internal.id
}

resource "aws_secretsmanager_secret_version" "internal" {
  secret_id                = aws_secretsmanager_secret.internal.id
  secret_string_wo         = ephemeral.apikey_key.internal.plaintext
  secret_string_wo_version = 1
}
