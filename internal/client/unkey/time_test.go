package unkey

import "testing"

func TestFormatTime(t *testing.T) {
	for ms, want := range map[int64]string{
		0:                "1970-01-01T00:00:00Z",
		1700000000000:    "2023-11-14T22:13:20Z",
		1700000000123:    "2023-11-14T22:13:20.123Z",
		1700000000500:    "2023-11-14T22:13:20.5Z",
		ExpiresMaxMillis: "2100-01-01T00:00:00Z",
	} {
		if got := FormatTime(ms); got != want {
			t.Errorf("FormatTime(%d) = %q, want %q", ms, got, want)
		}
	}
}

func TestParseTime(t *testing.T) {
	for in, want := range map[string]int64{
		"1970-01-01T00:00:00Z":          0,
		"2023-11-14T22:13:20.123Z":      1700000000123,
		"2023-11-14T23:13:20.123+01:00": 1700000000123,
		"2100-01-01T00:00:00Z":          ExpiresMaxMillis,
		"2023-11-14T22:13:20.500000Z":   1700000000500,
	} {
		got, err := ParseTime(in)
		if err != nil || got != want {
			t.Errorf("ParseTime(%q) = %d, %v; want %d", in, got, err, want)
		}
		if back, err := ParseTime(FormatTime(got)); err != nil || back != got {
			t.Errorf("round trip of %d = %d, %v", got, back, err)
		}
	}
	for _, in := range []string{"", "2023-11-14", "2023-11-14 22:13:20Z", "2023-11-14T22:13:20.0001Z", "yesterday"} {
		if _, err := ParseTime(in); err == nil {
			t.Errorf("ParseTime(%q) succeeded", in)
		}
	}
}
