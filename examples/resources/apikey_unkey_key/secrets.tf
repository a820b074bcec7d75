# Keep the plaintext out of state: only an age-encrypted copy is stored, readable by the holder
# of the matching identity (age --decrypt -i key.txt).
resource "apikey_unkey_key" "partner" {
  api_id                   = var.api_id
  name                     = "partner-acme"
  plaintext_age_recipients = ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"]
}

# Or store nothing at all and read a recoverable key only when needed, through the ephemeral
# resource (see ephemeral-resources/apikey_unkey_key).
resource "apikey_unkey_key" "internal" {
  api_id          = var.api_id
  name            = "internal-tool"
  store_plaintext = false
  recoverable     = true
}
