package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"rapport/internal/auth"
	"rapport/internal/testdb"
)

// cultureWorld is an organisation with its culture office (HR), an
// executive, a sales department with one employee, another employee in no
// department, and another organisation's HR.
type cultureWorld struct {
	hr, exec, hrExec, admin, sales, staff, other *user
	salesDept                                    string
}

func newCultureWorld(t *testing.T, e *env) *cultureWorld {
	t.Helper()
	e.org("acme")
	e.org("globex")
	w := &cultureWorld{
		hr:     e.as("acme", "hr", auth.RoleHR),
		exec:   e.as("acme", "gm", auth.RoleExecutive),
		hrExec: e.as("acme", "hrgm", auth.RoleHR, auth.RoleExecutive),
		admin:  e.as("acme", "admin", auth.RoleAdmin),
		sales:  e.as("acme", "seller", auth.RoleEmployee),
		staff:  e.as("acme", "clerk", auth.RoleEmployee),
		other:  e.as("globex", "hr", auth.RoleHR),
	}
	w.salesDept = w.admin.do(`mutation { createDepartment(input: {name: "销售部 Sales"}) { id } }`, nil).ok(t).str(t, "createDepartment.id")
	w.admin.do(`mutation($id: ID!, $d: ID!) { updateUser(id: $id, input: {departmentID: $d}) { id } }`, map[string]any{"id": w.sales.id, "d": w.salesDept}).ok(t)
	return w
}

// campaign drafts, submits, approves and (unless stop says where) publishes a campaign.
func (w *cultureWorld) campaign(t *testing.T, title string, input map[string]any, stop string) string {
	t.Helper()
	in := map[string]any{"title": title, "kind": "SPORTS_RECREATION", "startsOn": "2027-01-20", "endsOn": "2027-02-10"}
	for k, v := range input {
		in[k] = v
	}
	r := w.hr.op("culture.graphql", "CreateCultureCampaign", map[string]any{"input": in}).ok(t)
	id := r.str(t, "createCultureCampaign.id")
	if r.str(t, "createCultureCampaign.status") != "DRAFT" {
		t.Fatalf("a new campaign: %v", r.Data)
	}
	for _, step := range []struct {
		who        *user
		op, status string
	}{
		{w.hr, "SubmitCultureCampaign", "SUBMITTED"}, {w.exec, "ApproveCultureCampaign", "APPROVED"}, {w.hr, "PublishCultureCampaign", "PUBLISHED"},
	} {
		if step.status == stop {
			break
		}
		r := step.who.op("culture.graphql", step.op, map[string]any{"id": id}).ok(t)
		for _, f := range []string{"submitCultureCampaign", "approveCultureCampaign", "publishCultureCampaign"} {
			if v, ok := r.Data[f]; ok && v.(map[string]any)["status"] != step.status {
				t.Fatalf("%s: %v", step.op, r.Data)
			}
		}
	}
	return id
}

func (w *cultureWorld) activity(t *testing.T, campaign, title string, starts time.Time, extra map[string]any) string {
	t.Helper()
	in := map[string]any{"campaignID": campaign, "title": title, "startsAt": rfc(starts), "endsAt": rfc(starts.Add(2 * time.Hour))}
	for k, v := range extra {
		in[k] = v
	}
	return w.hr.op("culture.graphql", "CreateCultureActivity", map[string]any{"input": in}).ok(t).str(t, "createCultureActivity.id")
}

func calendar(t *testing.T, u *user, from, to time.Time) map[string]map[string]any {
	t.Helper()
	r := u.op("culture.graphql", "CultureCalendar", map[string]any{"from": rfc(from), "to": rfc(to)}).ok(t)
	out := map[string]map[string]any{}
	prev := ""
	for _, a := range r.list(t, "cultureCalendar") {
		m := a.(map[string]any)
		if s := m["startsAt"].(string); s < prev {
			t.Fatalf("calendar not earliest first: %v", r.Data)
		} else {
			prev = s
		}
		out[m["id"].(string)] = m
	}
	return out
}

func TestCultureCampaignLifeCycle(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newCultureWorld(t, e)
		id := w.campaign(t, "春节联欢会 Spring Festival gala", nil, "SUBMITTED")
		op := func(u *user, name string) *result {
			return u.op("culture.graphql", name, map[string]any{"id": id})
		}
		// Only HR drafts; only an executive approves, never the submitter.
		w.staff.op("culture.graphql", "CreateCultureCampaign", map[string]any{"input": map[string]any{
			"title": "x", "kind": "TRAINING", "startsOn": "2027-03-01", "endsOn": "2027-03-02"}}).code(t, "FORBIDDEN")
		w.exec.op("culture.graphql", "CreateCultureCampaign", map[string]any{"input": map[string]any{
			"title": "x", "kind": "TRAINING", "startsOn": "2027-03-01", "endsOn": "2027-03-02"}}).code(t, "FORBIDDEN")
		op(w.hr, "PublishCultureCampaign").code(t, "BAD_USER_INPUT") // DRAFT: not approved
		w.hr.op("culture.graphql", "CreateCultureCampaign", map[string]any{"input": map[string]any{
			"title": "x", "kind": "TRAINING", "startsOn": "2027-03-02", "endsOn": "2027-03-01"}}).code(t, "BAD_USER_INPUT")
		w.hr.op("culture.graphql", "CreateCultureCampaign", map[string]any{"input": map[string]any{
			"title": "x", "kind": "TRAINING", "startsOn": "2027-02-30", "endsOn": "2027-03-01"}}).code(t, "BAD_USER_INPUT")
		r := op(w.hr, "SubmitCultureCampaign").ok(t)
		if r.str(t, "submitCultureCampaign.status") != "SUBMITTED" {
			t.Fatalf("%v", r.Data)
		}
		op(w.hr, "ApproveCultureCampaign").code(t, "FORBIDDEN")
		op(w.admin, "ApproveCultureCampaign").code(t, "NOT_FOUND") // an admin does not see campaigns in the making
		r = op(w.hr, "PublishCultureCampaign").code(t, "BAD_USER_INPUT")
		if msg := r.Errors[0].Message; !strings.Contains(msg, "SUBMITTED") {
			t.Fatalf("the refusal does not name the status: %q", msg)
		}
		op(w.other, "SubmitCultureCampaign").code(t, "NOT_FOUND")
		r = op(w.exec, "ApproveCultureCampaign").ok(t)
		if r.str(t, "approveCultureCampaign.status") != "APPROVED" || r.str(t, "approveCultureCampaign.approvedBy.id") != w.exec.id {
			t.Fatalf("%v", r.Data)
		}
		op(w.exec, "ApproveCultureCampaign").code(t, "BAD_USER_INPUT")
		if op(w.hr, "PublishCultureCampaign").ok(t).str(t, "publishCultureCampaign.status") != "PUBLISHED" {
			t.Fatal("not published")
		}

		// One who both drafts and approves never approves their own.
		own := w.hrExec.op("culture.graphql", "CreateCultureCampaign", map[string]any{"input": map[string]any{
			"title": "安全生产月 Safety month", "kind": "SAFETY_MONTH", "startsOn": "2027-06-01", "endsOn": "2027-06-30"}}).ok(t).str(t, "createCultureCampaign.id")
		w.hrExec.op("culture.graphql", "SubmitCultureCampaign", map[string]any{"id": own}).ok(t)
		w.hrExec.op("culture.graphql", "ApproveCultureCampaign", map[string]any{"id": own}).code(t, "FORBIDDEN")
		// A rejection gives its reason, and the campaign goes back to HR.
		w.exec.do(`mutation($id: ID!) { rejectCultureCampaign(id: $id, reason: " ") { status } }`, map[string]any{"id": own}).code(t, "BAD_USER_INPUT")
		r = w.exec.do(`mutation($id: ID!) { rejectCultureCampaign(id: $id, reason: "预算不足") { status decisionReason } }`, map[string]any{"id": own}).ok(t)
		if r.str(t, "rejectCultureCampaign.status") != "REJECTED" {
			t.Fatalf("%v", r.Data)
		}
		w.hrExec.op("culture.graphql", "PublishCultureCampaign", map[string]any{"id": own}).code(t, "BAD_USER_INPUT")
		w.hrExec.op("culture.graphql", "SubmitCultureCampaign", map[string]any{"id": own}).ok(t)

		// Employees see published campaigns only.
		list := func(u *user) int {
			return u.do(`{ cultureCampaigns(first: 10) { totalCount } }`, nil).ok(t).num(t, "cultureCampaigns.totalCount")
		}
		if n := list(w.staff); n != 1 {
			t.Fatalf("an employee sees %d campaigns, want the published one", n)
		}
		if n := list(w.hr); n != 2 {
			t.Fatalf("HR sees %d campaigns, want 2", n)
		}
		if n := list(w.other); n != 0 {
			t.Fatalf("another organisation sees %d campaigns", n)
		}
	})
}

func TestCultureCalendarAndRegistrations(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newCultureWorld(t, e)
		start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
		open := w.campaign(t, "五一健步走 May Day walk", nil, "")
		sales := w.campaign(t, "销售培训 Sales training", map[string]any{"kind": "TRAINING", "audienceAll": false, "audienceIDs": []string{w.salesDept}}, "")
		draft := w.campaign(t, "故事征集 Stories", map[string]any{"kind": "STORY_COLLECTION"}, "SUBMITTED")

		walk := w.activity(t, open, "健步走", start, map[string]any{"capacity": 1, "location": "滨江公园"})
		course := w.activity(t, sales, "谈判课", start.Add(time.Hour), nil)
		closed := w.activity(t, open, "报名已截止", start.Add(2*time.Hour), map[string]any{"registrationDeadline": rfc(time.Now().Add(-time.Hour))})
		drafted := w.activity(t, draft, "草稿活动", start, nil)
		w.hr.op("culture.graphql", "CreateCultureActivity", map[string]any{"input": map[string]any{
			"campaignID": open, "title": "bad", "startsAt": rfc(start), "endsAt": rfc(start.Add(-time.Hour))}}).code(t, "BAD_USER_INPUT")
		w.staff.op("culture.graphql", "CreateCultureActivity", map[string]any{"input": map[string]any{
			"campaignID": open, "title": "x", "startsAt": rfc(start), "endsAt": rfc(start.Add(time.Hour))}}).code(t, "FORBIDDEN")

		from, to := start.Add(-24*time.Hour), start.Add(24*time.Hour)
		for _, c := range []struct {
			u    *user
			want []string
		}{
			{w.staff, []string{walk, closed}},
			{w.sales, []string{walk, course, closed}},
			{w.hr, []string{walk, course, closed, drafted}},
			{w.other, nil},
		} {
			got := calendar(t, c.u, from, to)
			if len(got) != len(c.want) {
				t.Fatalf("calendar has %d activities, want %d: %v", len(got), len(c.want), got)
			}
			for _, id := range c.want {
				if got[id] == nil {
					t.Fatalf("calendar lacks %s: %v", id, got)
				}
			}
		}
		if len(calendar(t, w.staff, start.Add(48*time.Hour), start.Add(72*time.Hour))) != 0 {
			t.Fatal("activities outside the period")
		}
		w.staff.op("culture.graphql", "CultureCalendar", map[string]any{"from": rfc(from), "to": rfc(from.AddDate(2, 0, 0))}).code(t, "BAD_USER_INPUT")
		w.staff.op("culture.graphql", "CultureCalendar", map[string]any{"from": rfc(to), "to": rfc(from)}).code(t, "BAD_USER_INPUT")

		reg := func(u *user, id string) *result {
			return u.op("culture.graphql", "RegisterForActivity", map[string]any{"activityID": id})
		}
		if s := reg(w.staff, walk).ok(t).str(t, "registerForActivity.status"); s != "REGISTERED" {
			t.Fatalf("first registration: %s", s)
		}
		if s := reg(w.staff, walk).ok(t).str(t, "registerForActivity.status"); s != "REGISTERED" {
			t.Fatalf("registering twice: %s", s)
		}
		if s := reg(w.sales, walk).ok(t).str(t, "registerForActivity.status"); s != "WAITLISTED" {
			t.Fatalf("past capacity: %s", s)
		}
		reg(w.staff, course).code(t, "NOT_FOUND") // not in the sales department
		reg(w.staff, drafted).code(t, "NOT_FOUND")
		reg(w.other, walk).code(t, "NOT_FOUND")
		reg(w.staff, closed).code(t, "BAD_USER_INPUT")

		got := calendar(t, w.sales, from, to)[walk]
		if got["registeredCount"] != float64(1) || got["viewerRegistration"].(map[string]any)["status"] != "WAITLISTED" ||
			got["campaign"].(map[string]any)["kind"] != "SPORTS_RECREATION" || got["location"] != "滨江公园" {
			t.Fatalf("the waitlisted one's calendar entry: %v", got)
		}
		if calendar(t, w.sales, from, to)[course]["viewerRegistration"] != nil {
			t.Fatal("a registration that does not exist")
		}

		// Cancelling promotes the waitlist at once.
		if s := w.staff.op("culture.graphql", "CancelRegistration", map[string]any{"activityID": walk}).ok(t).str(t, "cancelRegistration.status"); s != "CANCELLED" {
			t.Fatalf("cancelled: %s", s)
		}
		got = calendar(t, w.sales, from, to)[walk]
		if got["registeredCount"] != float64(1) || got["viewerRegistration"].(map[string]any)["status"] != "REGISTERED" {
			t.Fatalf("after a cancellation: %v", got)
		}
		if s := reg(w.staff, walk).ok(t).str(t, "registerForActivity.status"); s != "WAITLISTED" {
			t.Fatalf("registering again when full: %s", s)
		}
		w.sales.op("culture.graphql", "CancelRegistration", map[string]any{"activityID": course}).code(t, "NOT_FOUND")

		// A cancelled activity stays in the calendar, and takes no one.
		w.staff.op("culture.graphql", "CancelCultureActivity", map[string]any{"id": walk, "reason": "雨"}).code(t, "FORBIDDEN")
		if s := w.hr.op("culture.graphql", "CancelCultureActivity", map[string]any{"id": walk, "reason": "暴雨 storm"}).ok(t).str(t, "cancelCultureActivity.status"); s != "CANCELLED" {
			t.Fatalf("cancelled activity: %s", s)
		}
		w.hr.op("culture.graphql", "CancelCultureActivity", map[string]any{"id": walk}).code(t, "BAD_USER_INPUT")
		if calendar(t, w.staff, from, to)[walk]["status"] != "CANCELLED" {
			t.Fatal("a cancelled activity left the calendar")
		}
		w.staff.op("culture.graphql", "CancelRegistration", map[string]any{"activityID": walk}).ok(t)
		reg(w.staff, walk).code(t, "BAD_USER_INPUT")
	})
}

// The calendar costs the same statements for 2 activities and for 20.
func TestCultureCalendarStatements(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newCultureWorld(t, e)
		start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
		c := w.campaign(t, "学习月 Study month", map[string]any{"kind": "STUDY_SESSION"}, "")
		count := func(n int) int64 {
			for i := range n {
				id := w.activity(t, c, fmt.Sprintf("第%d讲", i), start.Add(time.Duration(i)*time.Minute), nil)
				w.staff.op("culture.graphql", "RegisterForActivity", map[string]any{"activityID": id}).ok(t)
			}
			calendar(t, w.staff, start.Add(-time.Hour), start.Add(24*time.Hour))
			before := e.stmts.Load()
			calendar(t, w.staff, start.Add(-time.Hour), start.Add(24*time.Hour))
			return e.stmts.Load() - before
		}
		if few, many := count(2), count(18); few != many || many > 3 {
			t.Fatalf("calendar: %d statements for 2 activities, %d for 20 (want the same, at most 3)", few, many)
		}
	})
}

// Fifty people register at once through two instances for an activity of
// ten places: exactly ten get one, forty wait; the database decides.
func TestRegistrationsRaceForCapacity(t *testing.T) {
	url := testdb.PostgresURL(t)
	one := newEnv(t, url, auth.Config{Secret: testSecret})
	two := newEnv(t, url, auth.Config{Secret: testSecret})
	w := newCultureWorld(t, one)
	start := time.Now().Add(72 * time.Hour)
	c := w.campaign(t, "志愿者日 Volunteers", map[string]any{"kind": "VOLUNTEERING"}, "")
	act := w.activity(t, c, "植树", start, map[string]any{"capacity": 10})
	people := make([]*user, 50)
	for i := range people {
		people[i] = []*env{one, two}[i%2].as("acme", fmt.Sprintf("p%02d", i), auth.RoleEmployee)
	}
	statuses := make([]string, len(people))
	var wg sync.WaitGroup
	for i, p := range people {
		wg.Go(func() {
			r := p.op("culture.graphql", "RegisterForActivity", map[string]any{"activityID": act})
			if len(r.Errors) > 0 {
				statuses[i] = "error: " + r.Errors[0].Message
				return
			}
			statuses[i], _ = r.Data["registerForActivity"].(map[string]any)["status"].(string)
		})
	}
	wg.Wait()
	n := map[string]int{}
	for _, s := range statuses {
		n[s]++
	}
	if n["REGISTERED"] != 10 || n["WAITLISTED"] != 40 {
		t.Fatalf("outcomes: %v", n)
	}
	got := calendar(t, w.hr, start.Add(-time.Hour), start.Add(time.Hour))[act]
	if got["registeredCount"] != float64(10) {
		t.Fatalf("registeredCount %v", got["registeredCount"])
	}
}

// The culture calendar as feeds a calendar app subscribes to, read back
// by an iCalendar parser: the viewer's audience only, timed events in UTC
// and all-day ones as dates, a cancellation reaching subscribers (STATUS,
// SEQUENCE), one campaign's or one department's feed, 304 when unchanged,
// revoked by rotation, a bounded number of statements.
func TestCultureCalendarFeed(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newCultureWorld(t, e)
		open := w.campaign(t, "国庆登山 National Day hike", nil, "")
		sales := w.campaign(t, "销售培训 Sales training", map[string]any{"kind": "TRAINING", "audienceAll": false, "audienceIDs": []string{w.salesDept}}, "")
		draft := w.campaign(t, "草稿 Draft", map[string]any{"kind": "OTHER"}, "SUBMITTED")
		start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
		hike := w.activity(t, open, "登山, 集合", start, map[string]any{"location": "香山; 东门", "capacity": 30})
		d := start.In(shanghai)
		day1 := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, shanghai).AddDate(0, 0, 2)
		fair := w.activity(t, open, "读书节 Book fair", day1, map[string]any{"allDay": true, "endsAt": rfc(day1.AddDate(0, 0, 1).Add(23 * time.Hour))})
		course := w.activity(t, sales, "谈判课", start, nil)
		w.activity(t, draft, "草稿活动", start, nil)

		r := w.staff.op("culture.graphql", "CalendarFeeds", nil).ok(t)
		url, agenda := r.str(t, "viewer.cultureCalendarURL"), r.str(t, "viewer.agendaCalendarURL")
		if !strings.HasPrefix(url, e.url+"/calendar/culture/") || !strings.HasSuffix(url, ".ics") || !strings.HasPrefix(agenda, e.url+"/calendar/agenda/") {
			t.Fatalf("feed URLs %q %q", url, agenda)
		}
		get := func(url string, headers ...string) *raw {
			return e.raw("GET", strings.TrimPrefix(url, e.url), "", nil, headers...)
		}
		events := func(r *raw) map[string]*goical.Event {
			t.Helper()
			if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/calendar; charset=utf-8" {
				t.Fatalf("feed: HTTP %d %v %.300s", r.status, r.header, r.body)
			}
			cal, err := goical.NewDecoder(bytes.NewReader(r.body)).Decode()
			if err != nil {
				t.Fatalf("the feed does not parse: %v\n%s", err, r.body)
			}
			out := map[string]*goical.Event{}
			for _, ev := range cal.Events() {
				uid, _ := ev.Props.Text(goical.PropUID)
				out[uid] = &ev
			}
			return out
		}
		uid := func(id string) string { return "activity-" + id + "@acme.rapport" }
		before := e.stmts.Load()
		first := get(url)
		stmts := e.stmts.Load() - before
		evs := events(first)
		if len(evs) != 2 || evs[uid(hike)] == nil || evs[uid(fair)] == nil {
			t.Fatalf("staff's feed: %v\n%s", evs, first.body)
		}
		h := evs[uid(hike)]
		dtstart := h.Props.Get(goical.PropDateTimeStart)
		loc, _ := h.Props.Text(goical.PropLocation)
		summary, _ := h.Props.Text(goical.PropSummary)
		if dtstart.Value != start.UTC().Format("20060102T150405Z") || loc != "香山; 东门" || summary != "登山, 集合" ||
			h.Props.Get(goical.PropSequence).Value != "0" || h.Props.Get(goical.PropStatus).Value != "CONFIRMED" || h.Props.Get(goical.PropDateTimeStamp) == nil {
			t.Fatalf("timed event: start %q, location %q, summary %q\n%s", dtstart.Value, loc, summary, first.body)
		}
		f := evs[uid(fair)]
		fs, fe := f.Props.Get(goical.PropDateTimeStart), f.Props.Get(goical.PropDateTimeEnd)
		if fs.ValueType() != goical.ValueDate || fs.Value != day1.Format("20060102") || fe.Value != day1.AddDate(0, 0, 2).Format("20060102") {
			t.Fatalf("all-day event: %q (%v) to %q\n%s", fs.Value, fs.ValueType(), fe.Value, first.body)
		}
		if !bytes.Contains(first.body, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(first.body, []byte("\r\n"), nil), []byte("\n")) {
			t.Fatal("lines do not end with CRLF")
		}
		if again := get(url, "If-None-Match: "+first.header.Get("ETag")); again.status != http.StatusNotModified {
			t.Fatalf("unchanged feed: HTTP %d", again.status)
		}

		// A cancellation reaches subscribers: same UID, STATUS:CANCELLED, a higher SEQUENCE.
		w.hr.op("culture.graphql", "CancelCultureActivity", map[string]any{"id": hike, "reason": "大风 wind"}).ok(t)
		changed := get(url, "If-None-Match: "+first.header.Get("ETag"))
		h = events(changed)[uid(hike)]
		if h == nil || h.Props.Get(goical.PropStatus).Value != "CANCELLED" || h.Props.Get(goical.PropSequence).Value != "1" {
			t.Fatalf("after the cancellation:\n%s", changed.body)
		}

		// The sales department's member sees its training; one campaign's
		// and one department's feeds narrow it.
		surl := w.sales.do(`{ viewer { cultureCalendarURL } }`, nil).ok(t).str(t, "viewer.cultureCalendarURL")
		if n := len(events(get(surl))); n != 3 {
			t.Fatalf("the seller's feed has %d events, want 3", n)
		}
		if evs := events(get(surl + "?campaign=" + sales)); len(evs) != 1 || evs[uid(course)] == nil {
			t.Fatalf("one campaign's feed: %v", evs)
		}
		if evs := events(get(surl + "?department=" + w.salesDept)); len(evs) != 1 || evs[uid(course)] == nil {
			t.Fatalf("one department's feed: %v", evs)
		}
		if n := len(events(get(url + "?campaign=" + sales))); n != 0 {
			t.Fatalf("a campaign outside the viewer's audience shows %d events", n)
		}
		if st := get(url + "?campaign=nonsense").status; st != http.StatusNotFound {
			t.Fatalf("a malformed campaign: HTTP %d", st)
		}

		// A bounded number of statements, whatever the number of activities.
		for i := range 5 {
			w.activity(t, open, fmt.Sprintf("讲座 %d", i), start.Add(time.Duration(i+3)*time.Hour), nil)
		}
		before = e.stmts.Load()
		if n := len(events(get(url))); n != 7 {
			t.Fatalf("%d events after adding five", n)
		}
		if more := e.stmts.Load() - before; more != stmts {
			t.Fatalf("feed: %d statements for 2 activities, %d for 7", stmts, more)
		}

		// Rotation revokes the user's feed URLs; another's token shows nothing.
		w.staff.do(`mutation { rotateCalendarToken }`, nil).ok(t)
		if st := get(url).status; st != http.StatusNotFound {
			t.Fatalf("a rotated culture feed: HTTP %d", st)
		}
		fresh := w.staff.do(`{ viewer { cultureCalendarURL } }`, nil).ok(t).str(t, "viewer.cultureCalendarURL")
		if fresh == url || get(fresh).status != http.StatusOK {
			t.Fatal("no new culture feed after rotation")
		}
		if got := w.hr.do(`query($id: ID!) { node(id: $id) { ... on User { cultureCalendarURL } } }`, map[string]any{"id": w.staff.id}).ok(t).get(t, "node.cultureCalendarURL"); got != nil {
			t.Fatalf("HR reads an employee's feed URL: %v", got)
		}
		if st := get(strings.Replace(fresh, "/calendar/culture/", "/calendar/agenda/", 1)).status; st != http.StatusNotFound {
			t.Fatalf("a culture token opens the agenda: HTTP %d", st)
		}
	})
}

// After an activity begins the culture office records who came (walk-ins
// too) and exports them by department; nobody else records attendance.
func TestCultureAttendance(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newCultureWorld(t, e)
		c := w.campaign(t, "读书会 Reading club", map[string]any{"kind": "STUDY_SESSION"}, "")
		begun := w.activity(t, c, "共读《活着》", time.Now().Add(-time.Hour), nil)
		later := w.activity(t, c, "下次共读", time.Now().Add(48*time.Hour), nil)
		const rec = `mutation($a: ID!, $u: [ID!]!, $at: Boolean!) { recordAttendance(activityID: $a, userIDs: $u, attended: $at) { status user { id } } }`
		w.staff.do(rec, map[string]any{"a": begun, "u": []string{w.staff.id}, "at": true}).code(t, "FORBIDDEN")
		w.hr.do(rec, map[string]any{"a": later, "u": []string{w.staff.id}, "at": true}).code(t, "BAD_USER_INPUT")
		w.hr.do(rec, map[string]any{"a": begun, "u": []string{w.other.id}, "at": true}).code(t, "NOT_FOUND")
		r := w.hr.do(rec, map[string]any{"a": begun, "u": []string{w.staff.id, w.sales.id, w.staff.id}, "at": true}).ok(t)
		if regs := r.list(t, "recordAttendance"); len(regs) != 2 || regs[0].(map[string]any)["status"] != "ATTENDED" {
			t.Fatalf("attendance: %v", regs)
		}
		w.hr.do(rec, map[string]any{"a": begun, "u": []string{w.staff.id}, "at": false}).ok(t)
		w.hr.do(rec, map[string]any{"a": begun, "u": []string{w.staff.id}, "at": true}).ok(t)
		if n := calendar(t, w.hr, time.Now().Add(-2*time.Hour), time.Now())[begun]["registeredCount"]; n != float64(2) {
			t.Fatalf("registeredCount after attendance: %v", n)
		}
		const export = `query($a: ID!) { activityAttendance(activityID: $a) { department { name } attendees { id name } } }`
		groups := w.hr.do(export, map[string]any{"a": begun}).ok(t).list(t, "activityAttendance")
		depts := map[string]int{}
		for _, g := range groups {
			g := g.(map[string]any)
			name := "(none)"
			if d, ok := g["department"].(map[string]any); ok {
				name = d["name"].(string)
			}
			depts[name] += len(g["attendees"].([]any))
		}
		if len(depts) != 2 || depts["销售部 Sales"] != 1 || depts["(none)"] != 1 {
			t.Fatalf("attendance by department: %v", depts)
		}
		if mine := w.staff.do(export, map[string]any{"a": begun}).ok(t).list(t, "activityAttendance"); len(mine) != 1 {
			t.Fatalf("an employee's export shows others: %v", mine)
		}
	})
}

// The year's plan goes through the same life cycle, approved by an
// executive; campaigns sit under it; recognitions under a campaign show on
// the people's profiles once it is published.
func TestCulturePlanAndRecognitions(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newCultureWorld(t, e)
		const create = `mutation($in: CreateCulturePlanInput!) { createCulturePlan(input: $in) { id status year } }`
		in := map[string]any{"year": 2027, "title": "2027 企业文化建设计划", "goals": "凝聚人心", "budgetNotes": "全年预算 30 万元"}
		w.staff.do(create, map[string]any{"in": in}).code(t, "FORBIDDEN")
		plan := w.hr.do(create, map[string]any{"in": in}).ok(t).str(t, "createCulturePlan.id")
		w.hr.do(create, map[string]any{"in": in}).code(t, "CONFLICT") // one plan a year
		w.hr.do(create, map[string]any{"in": map[string]any{"year": 1999, "title": "x"}}).code(t, "BAD_USER_INPUT")
		step := func(u *user, op string, vars map[string]any) *result {
			vars["id"] = plan
			args := "$id: ID!"
			call := "(id: $id)"
			if _, ok := vars["reason"]; ok {
				args, call = "$id: ID!, $reason: String!", "(id: $id, reason: $reason)"
			}
			return u.do(fmt.Sprintf(`mutation(%s) { %s%s { status approvedBy { id } } }`, args, op, call), vars)
		}
		w.hr.do(`mutation($id: ID!) { publishCulturePlan(id: $id) { status } }`, map[string]any{"id": plan}).code(t, "BAD_USER_INPUT")
		step(w.hr, "submitCulturePlan", map[string]any{}).ok(t)
		step(w.hr, "approveCulturePlan", map[string]any{}).code(t, "FORBIDDEN")
		step(w.exec, "rejectCulturePlan", map[string]any{"reason": "补充预算明细"}).ok(t)
		step(w.hr, "submitCulturePlan", map[string]any{}).ok(t)
		if r := step(w.exec, "approveCulturePlan", map[string]any{}).ok(t); r.str(t, "approveCulturePlan.approvedBy.id") != w.exec.id {
			t.Fatalf("%v", r.Data)
		}
		if s := step(w.hr, "publishCulturePlan", map[string]any{}).ok(t).str(t, "publishCulturePlan.status"); s != "PUBLISHED" {
			t.Fatalf("plan: %s", s)
		}
		c := w.campaign(t, "年度评优 Recognitions", map[string]any{"kind": "ROLE_MODELS", "planID": plan}, "PUBLISHED") // approved, not published
		r := w.staff.do(`{ culturePlans(first: 5) { edges { node { year status campaigns(first: 5) { totalCount } } } } }`, nil).ok(t)
		if edges := r.list(t, "culturePlans.edges"); len(edges) != 1 {
			t.Fatalf("the staff's plans: %v", edges)
		}

		const recognise = `mutation($in: CreateRecognitionInput!) { createRecognition(input: $in) { id kind people { id } departments { id } } }`
		award := map[string]any{"campaignID": c, "kind": "ROLE_MODEL", "title": "年度服务之星 Service star", "citation": "十年如一日", "personIDs": []string{w.sales.id}, "departmentIDs": []string{w.salesDept}}
		w.staff.do(recognise, map[string]any{"in": award}).code(t, "NOT_FOUND") // the campaign is not published: unseen
		w.hr.do(recognise, map[string]any{"in": map[string]any{"campaignID": c, "kind": "AWARD", "title": "x", "citation": "y"}}).code(t, "BAD_USER_INPUT")
		w.hr.do(recognise, map[string]any{"in": award}).ok(t)
		profile := func(u *user) int {
			return u.do(`query($id: ID!) { node(id: $id) { ... on User { recognitions(first: 5) { totalCount edges { node { title campaign { title } } } } } } }`,
				map[string]any{"id": w.sales.id}).ok(t).num(t, "node.recognitions.totalCount")
		}
		if n := profile(w.staff); n != 0 {
			t.Fatalf("a recognition of an unpublished campaign shows: %d", n)
		}
		w.hr.op("culture.graphql", "PublishCultureCampaign", map[string]any{"id": c}).ok(t)
		if n := profile(w.staff); n != 1 {
			t.Fatalf("the profile shows %d recognitions, want 1", n)
		}
		r = w.staff.do(`query($id: ID!) { node(id: $id) { ... on CultureCampaign { recognitions(first: 5) { edges { node { title people { id } } } } } } }`, map[string]any{"id": c}).ok(t)
		if n := len(r.list(t, "node.recognitions.edges")); n != 1 {
			t.Fatalf("the campaign shows %d recognitions", n)
		}
	})
}

// Behind a reverse proxy the feed URLs name the host and scheme the client
// used (X-Forwarded-Host, X-Forwarded-Proto), and nothing else.
func TestFeedURLsBehindAProxy(t *testing.T) {
	e := sqliteEnv(t)
	e.org("acme")
	tok := token(t, "acme", "u", auth.RoleEmployee)
	body := strings.NewReader(`{"query":"{ viewer { cultureCalendarURL agendaCalendarURL } }"}`)
	r := e.raw("POST", "/graphql", "application/json", body, bearer(tok), "X-Forwarded-Proto: https", "X-Forwarded-Host: portal.example.cn, internal:8080")
	if r.status != http.StatusOK || !bytes.Contains(r.body, []byte(`"cultureCalendarURL":"https://portal.example.cn/calendar/culture/`)) {
		t.Fatalf("HTTP %d %s", r.status, r.body)
	}
	body = strings.NewReader(`{"query":"{ viewer { cultureCalendarURL } }"}`)
	r = e.raw("POST", "/graphql", "application/json", body, bearer(tok), "X-Forwarded-Host: evil.example/x?")
	if bytes.Contains(r.body, []byte("evil")) {
		t.Fatalf("a malformed forwarded host reached the URL: %s", r.body)
	}
}
