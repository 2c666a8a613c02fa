package ical

import (
	"bytes"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
)

func TestEncodeIsReadBackByAParser(t *testing.T) {
	day := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	long := strings.Repeat("上海华东精密机械有限公司，拜访董事长；", 6)
	cal := Calendar{ProdID: "-//Rapport//Agenda//ZH", Name: "刘洋 的客户日程", Stamp: time.Date(2026, 11, 24, 1, 2, 3, 0, time.UTC),
		Events: []Event{
			{UID: "call-AC01@rapport", Day: day, Summary: "电话 Call: " + long, Description: "逾期 overdue\nsince 2026-11-20, a; b\\c", Categories: []string{"CALL", "A,B"}},
			{UID: "visit-AC02@rapport", Day: day.AddDate(0, 0, 3), Summary: "拜访 Visit"},
		}}
	out := cal.Encode()
	for i, l := range bytes.Split(out, []byte("\r\n")) {
		if len(l) > 75 {
			t.Fatalf("line %d has %d octets", i, len(l))
		}
		if bytes.ContainsRune(l, '\n') {
			t.Fatalf("line %d holds a bare LF", i)
		}
	}
	if !bytes.HasSuffix(out, []byte("END:VCALENDAR\r\n")) {
		t.Fatal("not CRLF-terminated")
	}
	parsed, err := goical.NewDecoder(bytes.NewReader(out)).Decode()
	if err != nil {
		t.Fatalf("a parser rejects the feed: %v\n%s", err, out)
	}
	evs := parsed.Events()
	if len(evs) != 2 {
		t.Fatalf("%d events", len(evs))
	}
	summary, _ := evs[0].Props.Text(goical.PropSummary)
	desc, _ := evs[0].Props.Text(goical.PropDescription)
	start, err := evs[0].DateTimeStart(time.UTC)
	uid, _ := evs[0].Props.Text(goical.PropUID)
	if summary != "电话 Call: "+long || desc != "逾期 overdue\nsince 2026-11-20, a; b\\c" || err != nil || !start.Equal(day) || uid != "call-AC01@rapport" {
		t.Fatalf("read back: %q, %q, %v %v, %q", summary, desc, start, err, uid)
	}
	if v := evs[0].Props.Get(goical.PropDateTimeStart).ValueType(); v != goical.ValueDate {
		t.Fatalf("DTSTART is %v, want an all-day DATE", v)
	}
}

func TestFoldingKeepsCharactersWhole(t *testing.T) {
	var b strings.Builder
	writeFolded(&b, "SUMMARY:"+strings.Repeat("字", 100))
	unfolded := strings.ReplaceAll(b.String(), "\r\n ", "")
	if unfolded != "SUMMARY:"+strings.Repeat("字", 100)+"\r\n" {
		t.Fatalf("unfolding does not restore the line: %q", unfolded)
	}
}
