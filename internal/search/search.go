// Package search holds the rules of the archive search (domain §7): what
// text of a row is searched, and what a query looks for. Plain Go: the
// database side (PostgreSQL pg_trgm, SQLite FTS5 trigram) is in
// internal/archive.
//
// A row's search text is its searchable fields lowercased, one per line,
// with every phone number also written as its digits alone, so that
// "021-5080 1234", "(021) 50801234" and "02150801234" all find it.
package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"rapport/internal/apierr"
)

// MaxQuery is the longest query, in characters.
const MaxQuery = 100

// MinIndexed is the shortest query the trigram indexes answer; a shorter
// one (two characters: a Chinese name such as 张伟) matches the start of
// names only.
const MinIndexed = 3

// Text is the search text of fields; phones are also written as digits.
func Text(fields []string, phones []string) string {
	var b strings.Builder
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.ToLower(s))
	}
	for _, f := range fields {
		add(f)
	}
	for _, p := range phones {
		add(p)
		if d := digits(p); d != "" && d != strings.TrimSpace(p) {
			add(d)
		}
	}
	return b.String()
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Query is what a search looks for.
type Query struct {
	Text  string // lowercased; for a phone number, its digits
	Short bool   // fewer than MinIndexed characters: names starting with it
}

// Parse reads a query: trimmed, 2 to MaxQuery characters, lowercased; one
// that reads as a phone number (digits and + - ( ) . spaces, at least
// three digits) looks for its digits alone.
func Parse(q string) (Query, error) {
	q = strings.ToLower(strings.Join(strings.Fields(q), " "))
	n := utf8.RuneCountInString(q)
	switch {
	case n < 2:
		return Query{}, apierr.BadInput("query", "a search needs at least 2 characters")
	case n > MaxQuery:
		return Query{}, apierr.BadInput("query", "a search is at most %d characters", MaxQuery)
	}
	if phoneLike(q) {
		q = digits(q)
	}
	return Query{Text: q, Short: utf8.RuneCountInString(q) < MinIndexed}, nil
}

func phoneLike(q string) bool {
	n := 0
	for _, r := range q {
		switch {
		case unicode.IsDigit(r):
			n++
		case strings.ContainsRune("+-(). ", r):
		default:
			return false
		}
	}
	return n >= 3
}

// Rank orders matches: 0 when the name (or title) holds the query, 1 when
// only another field does; shorter names first within a rank (the closer
// match), then the type's order and the ID.
func Rank(name, query string) int {
	if strings.Contains(strings.ToLower(name), query) {
		return 0
	}
	return 1
}
