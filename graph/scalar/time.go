// Package scalar holds Rapport's custom GraphQL scalars.
package scalar

import (
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalTime writes a Time as RFC 3339 in UTC.
func MarshalTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(time.RFC3339Nano)))
	})
}

// UnmarshalTime reads an RFC 3339 time and returns it in UTC, so that every
// value stored or compared in the database has the same offset (SQLite
// compares times as text).
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, errors.New("time must be an RFC 3339 string such as 2026-11-23T09:30:00+08:00")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errors.New("time must be an RFC 3339 string such as 2026-11-23T09:30:00+08:00")
	}
	t = t.UTC()
	if t.Year() < 1 || t.Year() > 9999 {
		// Both databases store four-digit years; SQLite would keep a value it
		// cannot read back, PostgreSQL one the parser above refuses.
		return time.Time{}, errors.New("time must fall within the years 0001 to 9999 in UTC")
	}
	return t, nil
}
