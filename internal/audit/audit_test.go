package audit

import (
	"context"
	"testing"
	"time"
)

type stage string

func (s stage) String() string { return string(s) }

func TestRender(t *testing.T) {
	n := int64(5000)
	var nilp *int64
	at := time.Date(2026, 1, 31, 16, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for _, tc := range []struct {
		name string
		in   any
		want string // "" means nil
	}{
		{"nil", nil, ""},
		{"nil pointer", nilp, ""},
		{"pointer", &n, "5000"},
		{"empty string", "", ""},
		{"string", "上海", "上海"},
		{"time in UTC", at, "2026-01-31T08:00:00Z"},
		{"time pointer", &at, "2026-01-31T08:00:00Z"},
		{"stringer", stage("ACTIVE"), "ACTIVE"},
		{"bool", false, "false"},
		{"slice", []string{"ADMIN"}, `["ADMIN"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Render(tc.in)
			switch {
			case tc.want == "" && got != nil:
				t.Fatalf("Render = %q, want nil", *got)
			case tc.want != "" && (got == nil || *got != tc.want):
				t.Fatalf("Render = %v, want %q", got, tc.want)
			}
		})
	}
}

func TestSame(t *testing.T) {
	a, b := "a", "b"
	for _, tc := range []struct {
		c    Change
		same bool
	}{
		{Change{}, true},
		{Change{Old: &a, New: &a}, true},
		{Change{Old: &a, New: &b}, false},
		{Change{Old: &a}, false},
		{Change{New: &b}, false},
	} {
		if got := tc.c.Same(); got != tc.same {
			t.Errorf("%+v.Same() = %v", tc.c, got)
		}
	}
}

func TestRequestID(t *testing.T) {
	if RequestID(context.Background()) != "" {
		t.Fatal("empty context has a request id")
	}
	if got := RequestID(WithRequestID(context.Background(), "r1")); got != "r1" {
		t.Fatalf("RequestID = %q", got)
	}
}
