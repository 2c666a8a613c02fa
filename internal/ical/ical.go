// Package ical writes iCalendar feeds (RFC 5545): all-day events, lines of
// at most 75 octets folded with CRLF and a space, text values escaped. It is
// what calendar apps subscribe to; a test reads its output back with an
// independent parser.
package ical

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is an event: all-day from Day to LastDay (DATE values), or timed
// from Start to End (in UTC) when Timed.
type Event struct {
	UID         string // stable across feeds, so that apps update it in place
	Day         time.Time
	LastDay     time.Time // of a multi-day all-day event; zero: Day
	Timed       bool
	Start, End  time.Time
	Summary     string
	Description string
	Location    string
	Categories  []string
	Sequence    int       // raised on every change of the event
	Cancelled   bool      // STATUS:CANCELLED (CONFIRMED otherwise, when Sequence or Timed is used)
	Stamp       time.Time // DTSTAMP; zero: the calendar's
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
	for _, e := range c.Events {
		stamp := c.Stamp
		if !e.Stamp.IsZero() {
			stamp = e.Stamp
		}
		line("BEGIN", "VEVENT")
		line("UID", Escape(e.UID))
		line("DTSTAMP", utc(stamp))
		if e.Timed {
			line("DTSTART", utc(e.Start))
			line("DTEND", utc(e.End))
		} else {
			last := e.LastDay
			if last.IsZero() || last.Before(e.Day) {
				last = e.Day
			}
			line("DTSTART;VALUE=DATE", e.Day.Format("20060102"))
			line("DTEND;VALUE=DATE", last.AddDate(0, 0, 1).Format("20060102"))
		}
		if e.Sequence > 0 || e.Timed || e.Cancelled {
			line("SEQUENCE", strconv.Itoa(e.Sequence))
			status := "CONFIRMED"
			if e.Cancelled {
				status = "CANCELLED"
			}
			line("STATUS", status)
		}
		line("SUMMARY", Escape(e.Summary))
		if e.Description != "" {
			line("DESCRIPTION", Escape(e.Description))
		}
		if e.Location != "" {
			line("LOCATION", Escape(e.Location))
		}
		if len(e.Categories) > 0 {
			cats := make([]string, len(e.Categories))
			for i, c := range e.Categories {
				cats[i] = Escape(c)
			}
			line("CATEGORIES", strings.Join(cats, ","))
		}
		if e.Timed {
			line("TRANSP", "OPAQUE")
		} else {
			line("TRANSP", "TRANSPARENT")
		}
		line("END", "VEVENT")
	}
	line("END", "VCALENDAR")
	return []byte(b.String())
}

func utc(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

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
