// Package ical writes iCalendar feeds (RFC 5545): all-day events, lines of
// at most 75 octets folded with CRLF and a space, text values escaped. It is
// what calendar apps subscribe to; a test reads its output back with an
// independent parser.
package ical

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Event is an all-day event.
type Event struct {
	UID         string // stable across feeds, so that apps update it in place
	Day         time.Time
	Summary     string
	Description string
	Categories  []string
}

// Calendar is a feed: a name and its events.
type Calendar struct {
	ProdID string // e.g. "-//Rapport//Agenda//ZH"
	Name   string
	Stamp  time.Time // DTSTAMP of every event: when the feed was made
	Events []Event
}

// Encode returns the calendar as RFC 5545 text.
func (c Calendar) Encode() []byte {
	var b strings.Builder
	line := func(name, value string) { writeFolded(&b, name+":"+value) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", c.ProdID)
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	if c.Name != "" {
		line("X-WR-CALNAME", Escape(c.Name))
	}
	stamp := c.Stamp.UTC().Format("20060102T150405Z")
	for _, e := range c.Events {
		line("BEGIN", "VEVENT")
		line("UID", Escape(e.UID))
		line("DTSTAMP", stamp)
		line("DTSTART;VALUE=DATE", e.Day.Format("20060102"))
		line("DTEND;VALUE=DATE", e.Day.AddDate(0, 0, 1).Format("20060102"))
		line("SUMMARY", Escape(e.Summary))
		if e.Description != "" {
			line("DESCRIPTION", Escape(e.Description))
		}
		if len(e.Categories) > 0 {
			cats := make([]string, len(e.Categories))
			for i, c := range e.Categories {
				cats[i] = Escape(c)
			}
			line("CATEGORIES", strings.Join(cats, ","))
		}
		line("TRANSP", "TRANSPARENT")
		line("END", "VEVENT")
	}
	line("END", "VCALENDAR")
	return []byte(b.String())
}

// Escape escapes a TEXT value: backslash, semicolon, comma and line breaks.
func Escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// writeFolded writes one content line, folded so that no line exceeds 75
// octets (continuations start with a space) and never inside a UTF-8
// sequence, ending with CRLF.
func writeFolded(b *strings.Builder, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
