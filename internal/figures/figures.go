// Package figures reports the business figures of every organisation as
// Prometheus metrics (domain §7): overdue follow-ups per tier, callback
// completion, late bulletin issues and complaints past their promised
// reply. A scrape reads figures at most Every old: when they are older,
// the scrape first refreshes them with a fixed set of statements, each
// grouped by organisation, whatever the number of organisations. Every
// label takes a bounded set of values: the organisation's slug (tenants
// are created by operators, never through the API) and closed enums.
package figures

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"rapport/ent"
	"rapport/ent/bulletinissue"
	"rapport/ent/callback"
	"rapport/ent/complaint"
	"rapport/ent/duecount"
	"rapport/ent/privacy"
	"rapport/internal/bulletin"
	"rapport/internal/bulletinops"
	"rapport/internal/pulid"
)

// DefaultEvery is how old the figures may be when scraped.
const DefaultEvery = 30 * time.Second

// refreshTimeout bounds one refresh; a scrape that times out reports the
// previous figures.
const refreshTimeout = 10 * time.Second

// Collector is the figures as a prometheus.Collector.
type Collector struct {
	client *ent.Client
	every  time.Duration
	log    *slog.Logger
	// Now is the clock (time.Now unless a test sets it).
	Now func() time.Time

	mu      sync.Mutex
	at      time.Time // of the last refresh; zero: never
	samples []prometheus.Metric
	errors  prometheus.Counter
	age     prometheus.Gauge
}

// New returns the collector of client's figures, refreshed at most every
// every (DefaultEvery when zero).
func New(client *ent.Client, every time.Duration, log *slog.Logger) *Collector {
	if every <= 0 {
		every = DefaultEvery
	}
	return &Collector{client: client, every: every, log: log, Now: time.Now,
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rapport_figures_refresh_errors_total",
			Help: "Refreshes of the business figures that failed (the previous figures were reported).",
		}),
		age: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rapport_figures_age_seconds",
			Help: "How old the business figures reported are.",
		}),
	}
}

var (
	overdueDesc = prometheus.NewDesc("rapport_followups_overdue",
		"Accounts whose next call or visit is due and not made, by organisation, kind (call, visit) and tier.",
		[]string{"organization", "kind", "tier"}, nil)
	callbacksDesc = prometheus.NewDesc("rapport_callbacks",
		"Callbacks by organisation and state: open (not yet due), overdue (open past its due time), completed (on time), completed_late. Completion = (completed + completed_late) / all.",
		[]string{"organization", "state"}, nil)
	lateIssuesDesc = prometheus.NewDesc("rapport_bulletin_issues_late",
		"Regular issues of this year (in the organisation's time zone) published after their window or unpublished past it, by organisation and cadence.",
		[]string{"organization", "cadence"}, nil)
	complaintsDesc = prometheus.NewDesc("rapport_complaints_past_promise",
		"Open complaints whose promised reply time has passed, by organisation and severity.",
		[]string{"organization", "severity"}, nil)
)

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{overdueDesc, callbacksDesc, lateIssuesDesc, complaintsDesc} {
		ch <- d
	}
	c.errors.Describe(ch)
	c.age.Describe(ch)
}

// Collect implements prometheus.Collector: the figures, refreshed first
// when they are older than every. Concurrent scrapes wait for one refresh.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.Now()
	if c.at.IsZero() || now.Sub(c.at) >= c.every {
		ctx, cancel := context.WithTimeout(context.Background(), refreshTimeout)
		samples, err := c.refresh(ctx, now)
		cancel()
		if err != nil {
			c.errors.Inc()
			if c.log != nil {
				c.log.Error("refreshing the business figures", "err", err)
			}
		} else {
			c.samples, c.at = samples, now
		}
	}
	for _, m := range c.samples {
		ch <- m
	}
	if !c.at.IsZero() {
		c.age.Set(now.Sub(c.at).Seconds())
	}
	c.errors.Collect(ch)
	c.age.Collect(ch)
}

// refresh reads every organisation's figures at now: seven statements,
// each grouped by organisation.
func (c *Collector) refresh(ctx context.Context, now time.Time) ([]prometheus.Metric, error) {
	ctx = privacy.DecisionContext(ctx, privacy.Allow) // system code, across organisations
	orgs, err := c.client.Organization.Query().All(ctx)
	if err != nil {
		return nil, err
	}
	slug := make(map[pulid.ID]string, len(orgs))
	for _, o := range orgs {
		slug[o.ID] = o.Slug
	}
	var out []prometheus.Metric
	gauge := func(d *prometheus.Desc, n int, org pulid.ID, labels ...string) {
		if s, ok := slug[org]; ok {
			out = append(out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(n), append([]string{s}, labels...)...))
		}
	}

	// Overdue follow-ups: the counts the database keeps per due instant.
	var due []struct {
		OrganizationID pulid.ID `json:"organization_id"`
		Kind, Tier     string
		N              int
	}
	if err := c.client.DueCount.Query().Where(duecount.DueAtLTE(now.UTC())).
		GroupBy(duecount.FieldOrganizationID, duecount.FieldKind, duecount.FieldTier).
		Aggregate(ent.As(ent.Sum(duecount.FieldN), "n")).Scan(ctx, &due); err != nil {
		return nil, err
	}
	type key struct {
		org     pulid.ID
		a, b, c string
	}
	overdue := map[key]int{}
	for _, o := range orgs { // a zero is a figure too
		for _, k := range []string{"call", "visit"} {
			for _, t := range []string{"A", "B", "C"} {
				overdue[key{o.ID, k, t, ""}] = 0
			}
		}
	}
	for _, d := range due {
		overdue[key{d.OrganizationID, strings.ToLower(d.Kind), d.Tier, ""}] += d.N
	}
	for k, n := range overdue {
		gauge(overdueDesc, n, k.org, k.a, k.b)
	}

	// Callbacks by state.
	var cbs []struct {
		OrganizationID pulid.ID `json:"organization_id"`
		Status         string
		Late           bool
		N              int `json:"count"`
	}
	if err := c.client.Callback.Query().
		GroupBy(callback.FieldOrganizationID, callback.FieldStatus, callback.FieldLate).
		Aggregate(ent.Count()).Scan(ctx, &cbs); err != nil {
		return nil, err
	}
	var overdueCbs []struct {
		OrganizationID pulid.ID `json:"organization_id"`
		N              int      `json:"count"`
	}
	if err := c.client.Callback.Query().Where(callback.StatusEQ(callback.StatusOPEN), callback.DueAtLTE(now.UTC())).
		GroupBy(callback.FieldOrganizationID).Aggregate(ent.Count()).Scan(ctx, &overdueCbs); err != nil {
		return nil, err
	}
	states := map[key]int{}
	for _, o := range orgs {
		for _, s := range []string{"open", "overdue", "completed", "completed_late"} {
			states[key{o.ID, s, "", ""}] = 0
		}
	}
	for _, r := range cbs {
		switch {
		case r.Status == string(callback.StatusOPEN):
			states[key{r.OrganizationID, "open", "", ""}] += r.N
		case r.Late:
			states[key{r.OrganizationID, "completed_late", "", ""}] += r.N
		default:
			states[key{r.OrganizationID, "completed", "", ""}] += r.N
		}
	}
	for _, r := range overdueCbs {
		states[key{r.OrganizationID, "open", "", ""}] -= r.N
		states[key{r.OrganizationID, "overdue", "", ""}] += r.N
	}
	for k, n := range states {
		gauge(callbacksDesc, n, k.org, k.a)
	}

	// Complaints past their promise.
	var cps []struct {
		OrganizationID pulid.ID `json:"organization_id"`
		Severity       string
		N              int `json:"count"`
	}
	if err := c.client.Complaint.Query().Where(complaint.StatusEQ(complaint.StatusOPEN), complaint.PromisedReplyAtLTE(now.UTC())).
		GroupBy(complaint.FieldOrganizationID, complaint.FieldSeverity).Aggregate(ent.Count()).Scan(ctx, &cps); err != nil {
		return nil, err
	}
	past := map[key]int{}
	for _, o := range orgs {
		for _, s := range []complaint.Severity{complaint.SeverityMINOR, complaint.SeverityMAJOR, complaint.SeverityCRITICAL} {
			past[key{o.ID, string(s), "", ""}] = 0
		}
	}
	for _, r := range cps {
		past[key{r.OrganizationID, r.Severity, "", ""}] += r.N
	}
	for k, n := range past {
		gauge(complaintsDesc, n, k.org, k.a)
	}

	// Late issues: each publication's plan of its organisation's year.
	late, err := c.lateIssues(ctx, orgs, now)
	if err != nil {
		return nil, err
	}
	for k, n := range late {
		gauge(lateIssuesDesc, n, k.org, k.cadence)
	}
	return out, nil
}

type orgCadence struct {
	org     pulid.ID
	cadence string
}

// lateIssues counts, per organisation and cadence, this year's regular
// issues that are late at now (two statements).
func (c *Collector) lateIssues(ctx context.Context, orgs []*ent.Organization, now time.Time) (map[orgCadence]int, error) {
	pubs, err := c.client.Publication.Query().All(ctx)
	if err != nil {
		return nil, err
	}
	year := now.UTC().Year() // each organisation's year is one of these
	issues, err := c.client.BulletinIssue.Query().
		Where(bulletinissue.Special(false), bulletinissue.YearIn(year-1, year, year+1), bulletinissue.PublishedAtNotNil()).
		Select(bulletinissue.FieldPublicationID, bulletinissue.FieldYear, bulletinissue.FieldNumber, bulletinissue.FieldPublishedAt).
		All(ctx)
	if err != nil {
		return nil, err
	}
	type slotKey struct {
		pub          pulid.ID
		year, number int
	}
	published := map[slotKey]*time.Time{}
	for _, is := range issues {
		published[slotKey{is.PublicationID, is.Year, is.Number}] = is.PublishedAt
	}
	loc := map[pulid.ID]*time.Location{}
	out := map[orgCadence]int{}
	for _, o := range orgs {
		l, err := time.LoadLocation(o.Timezone)
		if err != nil {
			l = time.UTC
		}
		loc[o.ID] = l
		for _, cad := range []string{"monthly", "quarterly"} {
			out[orgCadence{o.ID, cad}] = 0
		}
	}
	for _, p := range pubs {
		l, ok := loc[p.OrganizationID]
		if !ok {
			continue
		}
		s := bulletinops.ScheduleOf(p)
		if s.Cadence == bulletin.Irregular {
			continue
		}
		y := now.In(l).Year()
		for _, slot := range s.Plan(y, l) {
			if slot.Start.After(now) {
				break
			}
			if bulletin.Late(slot, published[slotKey{p.ID, y, slot.Number}], now) {
				out[orgCadence{p.OrganizationID, strings.ToLower(string(s.Cadence))}]++
			}
		}
	}
	return out, nil
}
