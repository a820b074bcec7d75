package tfvalue

import (
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// SameInstant reports whether two RFC 3339 strings name the same instant.
func SameInstant(a, b string) bool {
	x, err1 := time.Parse(time.RFC3339Nano, a)
	y, err2 := time.Parse(time.RFC3339Nano, b)
	return err1 == nil && err2 == nil && x.Equal(y)
}

// NormalizedTime renders a server timestamp as RFC 3339 in UTC, whatever offset or precision the
// server used, so equal instants compare equal. nil or "" is null.
func NormalizedTime(s *string) types.String {
	if s == nil || *s == "" {
		return types.StringNull()
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, *s); err == nil {
			return types.StringValue(t.UTC().Format(time.RFC3339Nano))
		}
	}
	return types.StringValue(*s)
}

// KeepSpelling is the server's time as an RFC 3339 value, in the spelling of prior when prior
// names the same instant: a configured "2030-01-01T05:00:00+05:00" must not come back as
// "2030-01-01T00:00:00Z", which Terraform would call an inconsistent result.
func KeepSpelling(prior timetypes.RFC3339, server string) timetypes.RFC3339 {
	if !prior.IsNull() && !prior.IsUnknown() && SameInstant(prior.ValueString(), server) {
		return prior
	}
	return timetypes.NewRFC3339ValueMust(server)
}
