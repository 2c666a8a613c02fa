package scalar

import (
	"bytes"
	"testing"
	"time"
)

func TestTime(t *testing.T) {
	got, err := UnmarshalTime("2026-01-31T23:30:00+08:00")
	if err != nil || got.Location() != time.UTC || !got.Equal(time.Date(2026, 1, 31, 15, 30, 0, 0, time.UTC)) {
		t.Fatalf("UnmarshalTime = %v, %v", got, err)
	}
	for _, bad := range []any{"2026-01-31", "yesterday", 12, nil, "9999-12-31T23:30:00-10:00", "0001-01-01T00:30:00+01:00", "10000-01-01T00:00:00Z"} {
		if _, err := UnmarshalTime(bad); err == nil {
			t.Errorf("UnmarshalTime(%v) accepted", bad)
		}
	}
	var buf bytes.Buffer
	MarshalTime(time.Date(2026, 2, 1, 7, 0, 0, 0, time.FixedZone("CST", 8*3600))).MarshalGQL(&buf)
	if buf.String() != `"2026-01-31T23:00:00Z"` {
		t.Fatalf("MarshalTime = %s", buf.String())
	}
}
