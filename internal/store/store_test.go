package store

import (
	"errors"
	"testing"
	"time"

	"rapport/ent"
)

func TestFirstOrCreate(t *testing.T) {
	notFound := &ent.NotFoundError{}
	conflict := &ent.ConstraintError{}
	boom := errors.New("boom")
	for _, tc := range []struct {
		name        string
		gets        []error // successive results of get (nil: found)
		creates     []error // successive results of create (nil: created)
		wantCreated bool
		wantErr     error
		wantGets    int
	}{
		{"found", []error{nil}, nil, false, nil, 1},
		{"created", []error{notFound}, []error{nil}, true, nil, 1},
		{"lost the race, reads the winner's", []error{notFound, nil}, []error{conflict}, false, nil, 2},
		{"read fails", []error{boom}, nil, false, boom, 1},
		{"create fails", []error{notFound}, []error{boom}, false, boom, 1},
		{"conflict twice gives up", []error{notFound, notFound}, []error{conflict, conflict}, false, conflict, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gets, creates := 0, 0
			v, created, err := FirstOrCreate(
				func() (int, error) { gets++; return 1, tc.gets[gets-1] },
				func() (int, error) { creates++; return 2, tc.creates[creates-1] })
			if created != tc.wantCreated || !errors.Is(err, tc.wantErr) || gets != tc.wantGets {
				t.Fatalf("v=%d created=%v err=%v gets=%d", v, created, err, gets)
			}
			if err == nil && v != map[bool]int{false: 1, true: 2}[created] {
				t.Fatalf("v = %d", v)
			}
		})
	}
}

// RAPPORT_REQUEST_TIMEOUT becomes PostgreSQL's statement_timeout, unless
// the URL sets its own; other URLs are left alone.
func TestWithStatementTimeout(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://u@h/db?sslmode=disable", "postgres://u@h/db?sslmode=disable&statement_timeout=30000"},
		{"postgres://u@h/db?statement_timeout=5000", "postgres://u@h/db?statement_timeout=5000"},
		{"file:rapport.db", "file:rapport.db"},
	} {
		if got := WithStatementTimeout(c.in, 30*time.Second); got != c.want {
			t.Errorf("%s: %s, want %s", c.in, got, c.want)
		}
	}
}
