package bench

import (
	"testing"
	"time"
)

func TestUntilNextMinute(t *testing.T) {
	base := time.Date(2026, 12, 1, 20, 15, 0, 0, time.UTC)
	tests := []struct {
		now  time.Time
		want time.Duration
	}{
		{base, time.Minute},
		{base.Add(50 * time.Second), 10 * time.Second},
		{base.Add(59*time.Second + 900*time.Millisecond), 100 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := untilNextMinute(tt.now); got != tt.want {
			t.Errorf("untilNextMinute(%s) = %s, want %s", tt.now.Format(time.StampMilli), got, tt.want)
		}
	}
}
