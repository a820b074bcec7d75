package keylife

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/apikey-provider/terraform-provider-apikey/internal/services/tfvalue"
)

// StoreSecret places a freshly created plaintext in the model according to store_plaintext and
// plaintext_age_recipients.
func StoreSecret(ctx context.Context, m *Model, plaintext string, diags *diag.Diagnostics) {
	recipients := tfvalue.SetStrings(ctx, m.PlaintextAgeRecipients, diags)
	if len(recipients) > 0 {
		armored, err := encryptForRecipients(plaintext, recipients)
		if err != nil {
			diags.AddAttributeError(path.Root("plaintext_age_recipients"), "Error encrypting the key", err.Error())
			return
		}
		m.EncryptedPlaintext = types.StringValue(armored)
		m.Plaintext = types.StringNull()
		return
	}
	m.EncryptedPlaintext = types.StringNull()
	if m.StorePlaintext.ValueBool() {
		m.Plaintext = types.StringValue(plaintext)
	} else {
		m.Plaintext = types.StringNull()
	}
}

// AfterImport gives provider-side settings their defaults after an import, which cannot read
// them back; it reports whether the model was just imported.
func AfterImport(m *Model) bool {
	if !m.StorePlaintext.IsNull() {
		return false
	}
	m.StorePlaintext = types.BoolValue(true)
	m.EncryptedPlaintext = types.StringNull()
	m.Plaintext = types.StringNull()
	return true
}

func encryptForRecipients(plaintext string, recipients []string) (string, error) {
	parsed := make([]age.Recipient, 0, len(recipients))
	for _, r := range recipients {
		rec, err := parseAgeRecipient(r)
		if err != nil {
			return "", err
		}
		parsed = append(parsed, rec)
	}
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, parsed...)
	if err != nil {
		return "", fmt.Errorf("starting age encryption: %w", err)
	}
	if _, err := io.WriteString(w, plaintext); err != nil {
		return "", fmt.Errorf("encrypting: %w", err)
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("finishing age encryption: %w", err)
	}
	if err := aw.Close(); err != nil {
		return "", fmt.Errorf("finishing the armor: %w", err)
	}
	return buf.String(), nil
}

func parseAgeRecipient(s string) (age.Recipient, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "age1") {
		return age.ParseX25519Recipient(s)
	}
	return nil, fmt.Errorf("%q is not an age X25519 recipient (age1...)", tfvalue.Truncate(s, 16))
}

// ageRecipientValidator rejects malformed recipients at plan time.
type ageRecipientValidator struct{}

var _ validator.String = ageRecipientValidator{}

func (ageRecipientValidator) Description(context.Context) string {
	return "an age X25519 recipient such as age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
}

func (v ageRecipientValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (ageRecipientValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parseAgeRecipient(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid age recipient", fmt.Sprintf("plaintext_age_recipients: %s.", err))
	}
}
