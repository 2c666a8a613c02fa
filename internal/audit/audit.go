// Package audit describes the changes recorded in the audit trail.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"time"
)

// Change is the old and new value of one field, named as in the GraphQL
// API (ownerID, creditLimit). Values are rendered as text (RFC 3339 for
// times); nil means the field was empty.
type Change struct {
	Field string  `json:"field"`
	Old   *string `json:"old,omitempty"`
	New   *string `json:"new,omitempty"`
}

// Same reports whether the change leaves the value as it was.
func (c Change) Same() bool {
	return (c.Old == nil && c.New == nil) || (c.Old != nil && c.New != nil && *c.Old == *c.New)
}

// Render turns a field value into the text kept in the trail. Pointers are
// followed; nil and empty strings render as nil (no value).
func Render(v any) *string {
	rv := reflect.ValueOf(v)
	for rv.IsValid() && rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return nil
	}
	var s string
	switch x := rv.Interface().(type) {
	case time.Time:
		s = x.UTC().Format(time.RFC3339Nano)
	case fmt.Stringer:
		s = x.String()
	default:
		switch rv.Kind() {
		case reflect.Slice, reflect.Map, reflect.Struct:
			b, err := json.Marshal(x)
			if err != nil {
				return nil
			}
			s = string(b)
		default:
			s = fmt.Sprint(x)
		}
	}
	if s == "" {
		return nil
	}
	return &s
}

type requestIDKey struct{}

// WithRequestID returns a copy of ctx whose changes are recorded under id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request ID of ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
