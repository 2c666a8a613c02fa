package pulid

import (
	"bytes"
	"testing"
)

func TestNewIsValidAndUnique(t *testing.T) {
	seen := map[ID]bool{}
	for range 1000 {
		id := New("AC")
		if !id.Valid() || id.Prefix() != "AC" {
			t.Fatalf("New gave %q", id)
		}
		if seen[id] {
			t.Fatalf("duplicate %q", id)
		}
		seen[id] = true
	}
}

func TestValid(t *testing.T) {
	good := New("US")
	for _, tc := range []struct {
		id   ID
		want bool
	}{
		{good, true},
		{"", false},
		{"AC", false},
		{"ac" + good[2:], false},
		{good + "X", false},
		{"AC" + ID("8ZZZZZZZZZZZZZZZZZZZZZZZZZ"), false}, // ULID overflow
		{"AC01ARZ3NDEKTSV4RRFFQ69G5FAV", true},
		{"AC01ARZ3NDEKTSV4RRFFQ69G5FA!", false},
	} {
		if got := tc.id.Valid(); got != tc.want {
			t.Errorf("Valid(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestGQLRoundTrip(t *testing.T) {
	id := New("CO")
	var buf bytes.Buffer
	id.MarshalGQL(&buf)
	if buf.String() != `"`+string(id)+`"` {
		t.Fatalf("MarshalGQL = %s", buf.String())
	}
	var back ID
	if err := back.UnmarshalGQL(string(id)); err != nil || back != id {
		t.Fatalf("UnmarshalGQL = %q, %v", back, err)
	}
	for _, bad := range []any{42, "nope", "AC01ARZ3NDEKTSV4RRFFQ69G5FA!"} {
		if err := back.UnmarshalGQL(bad); err == nil {
			t.Errorf("UnmarshalGQL(%v) accepted", bad)
		}
	}
}

func TestScan(t *testing.T) {
	var id ID
	if err := id.Scan([]byte("ACX")); err != nil || id != "ACX" {
		t.Fatalf("Scan bytes = %q %v", id, err)
	}
	if err := id.Scan(3); err == nil {
		t.Fatal("Scan(int) accepted")
	}
}
