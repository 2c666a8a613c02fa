// Package pulid implements Rapport's global IDs: a short type prefix followed
// by a ULID ("AC01J9Z…"). The prefix makes every ID resolvable by
// node(id:) without a lookup table, and the ULID part is random, so IDs can
// be minted by any server instance without coordination and cannot be
// guessed or enumerated.
package pulid

import (
	"crypto/rand"
	"database/sql/driver"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/oklog/ulid/v2"
)

// PrefixLen is the number of characters of an ID that name its type.
const PrefixLen = 2

// ID is a prefixed ULID.
type ID string

// New returns a fresh ID with the given two-character prefix.
func New(prefix string) ID {
	if len(prefix) != PrefixLen {
		panic(fmt.Sprintf("pulid: prefix %q must have %d characters", prefix, PrefixLen))
	}
	return ID(prefix + ulid.MustNew(ulid.Timestamp(time.Now()), rand.Reader).String())
}

// Prefix returns the type prefix of id, or "" when id is too short.
func (id ID) Prefix() string {
	if len(id) < PrefixLen {
		return ""
	}
	return string(id[:PrefixLen])
}

// Valid reports whether id has the shape of a Rapport ID: a prefix of two
// upper-case letters followed by a well-formed ULID.
func (id ID) Valid() bool {
	if len(id) != PrefixLen+ulid.EncodedSize {
		return false
	}
	for _, c := range id[:PrefixLen] {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	_, err := ulid.ParseStrict(string(id[PrefixLen:]))
	return err == nil
}

// MarshalGQL implements graphql.Marshaler.
func (id ID) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(id))) }

// UnmarshalGQL implements graphql.Unmarshaler. It accepts only well-formed
// IDs, so a malformed ID is a BAD_USER_INPUT error before any query runs.
func (id *ID) UnmarshalGQL(v any) error {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case ID:
		s = string(x)
	default:
		return fmt.Errorf("ID must be a string, got %T", v)
	}
	if !ID(s).Valid() {
		return fmt.Errorf("%q is not a valid ID", s)
	}
	*id = ID(s)
	return nil
}

// Scan implements sql.Scanner.
func (id *ID) Scan(src any) error {
	switch v := src.(type) {
	case string:
		*id = ID(v)
	case []byte:
		*id = ID(v)
	case nil:
		*id = ""
	default:
		return fmt.Errorf("pulid: cannot scan %T", src)
	}
	return nil
}

// Value implements driver.Valuer.
func (id ID) Value() (driver.Value, error) { return string(id), nil }
