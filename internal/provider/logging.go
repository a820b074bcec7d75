package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/apikey-provider/terraform-provider-apikey/internal/client/transport"
)

// transportLogger sends the shared HTTP transport's logs to tflog. The transport never hands it
// headers or bodies, and the token is masked again here so a future log field cannot leak it.
type transportLogger struct {
	secrets []string
}

// providerLogVariable sets the level of the provider's own logger; the server sets it to off when
// the user asked for no logs.
const providerLogVariable = "TF_LOG_PROVIDER_APIKEY"

// transportLoggerFor is the transport's logger, or none when the provider's logger is off: each
// HTTP attempt would otherwise build a masked logging context and its fields only for tflog to
// drop them.
func transportLoggerFor(getenv func(string) string, secrets ...string) transport.Logger {
	if strings.ToLower(strings.TrimSpace(getenv(providerLogVariable))) == "off" {
		return nil
	}
	return newTransportLogger(secrets...)
}

func newTransportLogger(secrets ...string) *transportLogger {
	var nonEmpty []string
	for _, s := range secrets {
		if s != "" {
			nonEmpty = append(nonEmpty, s)
		}
	}
	return &transportLogger{secrets: nonEmpty}
}

func (l *transportLogger) Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(l.mask(ctx), l.redact(msg), fields)
}

func (l *transportLogger) Warn(ctx context.Context, msg string, fields map[string]any) {
	tflog.Warn(l.mask(ctx), l.redact(msg), fields)
}

func (l *transportLogger) mask(ctx context.Context) context.Context {
	if len(l.secrets) == 0 {
		return ctx
	}
	ctx = tflog.MaskAllFieldValuesStrings(ctx, l.secrets...)
	return tflog.MaskMessageStrings(ctx, l.secrets...)
}

func (l *transportLogger) redact(msg string) string {
	for _, s := range l.secrets {
		msg = strings.ReplaceAll(msg, s, "***")
	}
	return msg
}
