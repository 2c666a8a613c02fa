package api_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/ent/account"
	"rapport/ent/organization"
	"rapport/internal/auth"
)

// sample is the line of /metrics text for a metric with labels (printed,
// as Prometheus does, with the label names in order), or "" if none.
func sample(text, name string, labels map[string]string) string {
	var keys []string
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%q", k, labels[k]))
	}
	prefix := name + "{" + strings.Join(parts, ",") + "} "
	for line := range strings.SplitSeq(text, "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			return v
		}
	}
	return ""
}

// The business figures of /metrics: overdue follow-ups per tier (from the
// counts the database keeps, checked against the accounts themselves),
// callbacks by state, late bulletin issues and complaints past their
// promise, per organisation; refreshed by seven grouped statements at most
// every 30 s, whatever the number of scrapes or organisations.
func TestBusinessFigures(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newServiceWorld(t, e)
		ctx := sys(t.Context())
		batch := w.sup.op("service.graphql", "CreateCallbackBatch", map[string]any{"input": map[string]any{"title": "回访", "repIDs": []string{w.rep1.id}}}).ok(t)
		callbacks := batch.list(t, "createCallbackBatch.callbacks.edges")
		first := callbacks[0].(map[string]any)["node"].(map[string]any)["id"].(string)
		w.rep1.op("service.graphql", "RecordCallback", map[string]any{"id": first, "input": map[string]any{"reachedAt": ago(time.Minute), "satisfaction": 5}}).ok(t)
		for _, sev := range []string{"MAJOR", "MAJOR", "MINOR"} {
			w.rep1.op("service.graphql", "FileComplaint", map[string]any{"input": map[string]any{
				"accountID": w.a1, "summary": "投诉", "category": "交货", "severity": sev, "promisedReplyAt": ahead(time.Hour)}}).ok(t)
		}
		editor := e.as("acme", "editor", auth.RoleEditor)
		editor.op("bulletins.graphql", "CreatePublication", map[string]any{"input": map[string]any{
			"name": "月报", "audience": "STAFF", "cadence": "MONTHLY", "windowStartDay": 1, "windowEndDay": 28}}).ok(t)

		// On the last day of next year every window of the year has
		// passed, every callback and promise too.
		shanghai, _ := time.LoadLocation("Asia/Shanghai")
		clock := time.Date(time.Now().Year()+1, 12, 31, 12, 0, 0, 0, shanghai)
		e.figures.Now = func() time.Time { return clock }
		// The API's own /metrics has no organisation's figures: they are
		// served on the metrics address only.
		if text := string(e.raw("GET", "/metrics", "", nil).body); strings.Contains(text, "rapport_followups_overdue") || strings.Contains(text, "acme") {
			t.Fatalf("the API's address serves the business figures:\n%s", grep(text, "acme"))
		}
		aside := httptest.NewServer(e.metrics.Handler())
		defer aside.Close()
		scrape := func() string {
			resp, err := http.Get(aside.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return string(b)
		}
		before := e.stmts.Load()
		text := scrape()
		if n := e.stmts.Load() - before; n != 7 {
			t.Errorf("a refresh ran %d statements, want 7", n)
		}
		want := map[string]string{}
		for _, slug := range []string{"acme", "globex"} {
			org := e.client.Organization.Query().Where(organization.Slug(slug)).OnlyX(ctx)
			for _, tier := range []account.Tier{account.TierA, account.TierB, account.TierC} {
				q := e.client.Account.Query().Where(account.OrganizationID(org.ID), account.TierEQ(tier))
				calls := q.Clone().Where(account.NextCallDueAtLTE(clock)).CountX(ctx)
				visits := q.Clone().Where(account.NextVisitDueAtLTE(clock)).CountX(ctx)
				want[fmt.Sprintf("rapport_followups_overdue/%s/call/%s", slug, tier)] = fmt.Sprint(calls)
				want[fmt.Sprintf("rapport_followups_overdue/%s/visit/%s", slug, tier)] = fmt.Sprint(visits)
			}
		}
		if want["rapport_followups_overdue/acme/call/A"] == "0" || want["rapport_followups_overdue/globex/visit/A"] == "0" {
			t.Fatalf("the world has no overdue A-tier accounts by %v: %v", clock, want)
		}
		acme := map[string]string{
			"rapport_callbacks/state/overdue":                   fmt.Sprint(len(callbacks) - 1),
			"rapport_callbacks/state/completed":                 "1",
			"rapport_callbacks/state/completed_late":            "0",
			"rapport_callbacks/state/open":                      "0",
			"rapport_complaints_past_promise/severity/MAJOR":    "2",
			"rapport_complaints_past_promise/severity/MINOR":    "1",
			"rapport_complaints_past_promise/severity/CRITICAL": "0",
			"rapport_bulletin_issues_late/cadence/monthly":      "12",
			"rapport_bulletin_issues_late/cadence/quarterly":    "0",
		}
		for k, v := range acme {
			p := strings.Split(k, "/")
			want[p[0]+"/acme/"+p[1]+"/"+p[2]] = v
		}
		want["rapport_callbacks/globex/state/overdue"] = "0"
		want["rapport_bulletin_issues_late/globex/cadence/monthly"] = "0"
		check := func(text string, want map[string]string) {
			t.Helper()
			for k, v := range want {
				p := strings.Split(k, "/")
				labels := map[string]string{"organization": p[1]}
				switch p[0] {
				case "rapport_followups_overdue":
					labels["kind"], labels["tier"] = p[2], p[3]
				default:
					labels[p[2]] = p[3]
				}
				if got := sample(text, p[0], labels); got != v {
					t.Errorf("%s%v = %q, want %s", p[0], labels, got, v)
				}
			}
		}
		check(text, want)

		// Within 30 s a scrape reads nothing; then it refreshes.
		w.rep1.op("service.graphql", "FileComplaint", map[string]any{"input": map[string]any{
			"accountID": w.a1, "summary": "投诉", "category": "交货", "severity": "CRITICAL", "promisedReplyAt": ahead(time.Hour)}}).ok(t)
		clock = clock.Add(29 * time.Second)
		before = e.stmts.Load()
		text = scrape()
		if n := e.stmts.Load() - before; n != 0 {
			t.Errorf("a scrape within 30 s ran %d statements", n)
		}
		check(text, map[string]string{"rapport_complaints_past_promise/acme/severity/CRITICAL": "0"})
		if !strings.Contains(text, "rapport_figures_age_seconds 29") {
			t.Errorf("the figures' age is not reported:\n%s", grep(text, "rapport_figures"))
		}
		clock = clock.Add(time.Second)
		text = scrape()
		check(text, map[string]string{"rapport_complaints_past_promise/acme/severity/CRITICAL": "1"})

		// No label takes anything but an organisation's slug or an enum.
		for line := range strings.SplitSeq(grep(text, "organization="), "\n") {
			if line != "" && !strings.Contains(line, `organization="acme"`) && !strings.Contains(line, `organization="globex"`) {
				t.Errorf("unexpected label: %s", line)
			}
		}
	})
}

// grep is the lines of text that contain s.
func grep(text, s string) string {
	var out []string
	for line := range strings.SplitSeq(text, "\n") {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
