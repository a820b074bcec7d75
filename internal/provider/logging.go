package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// transportLogger sends the shared HTTP transport's logs to tflog. The transport never hands it
// headers or bodies, and the token is masked again here so a future log field cannot leak it.
type transportLogger struct {
	secrets []string
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
