package unkey

import (
	"fmt"
	"time"
)

// FormatTime renders Unix milliseconds (the API's time unit) as RFC 3339 in UTC, with as many
// fraction digits as needed up to milliseconds: 1700000000000 -> "2023-11-14T22:13:20Z".
func FormatTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format(time.RFC3339Nano)
}

// ParseTime converts an RFC 3339 timestamp (any offset) to Unix milliseconds. Precision below a
// millisecond is an error rather than silently dropped, since the API could not store it.
func ParseTime(s string) (int64, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, fmt.Errorf("invalid RFC 3339 time %q: %w", s, err)
	}
	if t.Nanosecond()%int(time.Millisecond) != 0 {
		return 0, fmt.Errorf("time %q is more precise than the milliseconds the API stores", s)
	}
	return t.UnixMilli(), nil
}
