// Package bulletinops applies the publication rules (package bulletin) to
// stored publications, issues and articles, inside the caller's
// transaction: numbering issues (the publication's row is locked while a
// number is taken, and unique indexes back it), the issue plan of a year,
// the workflow and the review of articles.
package bulletinops

import (
	"context"
	"slices"
	"time"

	"rapport/ent"
	"rapport/ent/account"
	"rapport/ent/article"
	"rapport/ent/bulletinissue"
	"rapport/ent/contact"
	"rapport/ent/predicate"
	"rapport/ent/publication"
	"rapport/internal/apierr"
	"rapport/internal/bulletin"
	"rapport/internal/pulid"
	"rapport/internal/store"
	"rapport/internal/viewer"
)

// CreatePublication checks the schedule and creates the publication.
func CreatePublication(ctx context.Context, c *ent.Client, input ent.CreatePublicationInput) (*ent.Publication, error) {
	s := bulletin.Schedule{Cadence: bulletin.Cadence(input.Cadence), Months: input.Months,
		WindowStartDay: publication.DefaultWindowStartDay, WindowEndDay: publication.DefaultWindowEndDay}
	if input.WindowStartDay != nil {
		s.WindowStartDay = *input.WindowStartDay
	}
	if input.WindowEndDay != nil {
		s.WindowEndDay = *input.WindowEndDay
	}
	if field, err := s.Check(); err != nil {
		return nil, apierr.BadInput(field, "%s", err)
	}
	for _, t := range input.Tiers {
		if account.TierValidator(account.Tier(t)) != nil {
			return nil, apierr.BadInput("tiers", "tiers are A, B or C")
		}
	}
	return c.Publication.Create().SetInput(input).Save(ctx)
}

// CreateIssue creates an issue with the next number of its kind in its
// year (and, for a regular one, the next running number): the
// publication's row is locked meanwhile, so numbers never repeat nor skip
// whichever instance assigns them.
func CreateIssue(ctx context.Context, c *ent.Client, input ent.CreateBulletinIssueInput) (*ent.BulletinIssue, error) {
	if err := c.LockRow(ctx, input.PublicationID); err != nil {
		return nil, err
	}
	pub, err := c.Publication.Get(ctx, input.PublicationID)
	if err != nil {
		return nil, err
	}
	special := input.Special != nil && *input.Special
	number, err := store.Largest(ctx, c.BulletinIssue.Query().Where(bulletinissue.PublicationID(pub.ID),
		bulletinissue.Year(input.Year), bulletinissue.Special(special)).Aggregate(ent.As(ent.Max(bulletinissue.FieldNumber), store.MaxAs)))
	if err != nil {
		return nil, err
	}
	create := c.BulletinIssue.Create().SetInput(input).SetNumber(number + 1)
	if !special {
		total, err := store.Largest(ctx, c.BulletinIssue.Query().Where(bulletinissue.PublicationID(pub.ID)).
			Aggregate(ent.As(ent.Max(bulletinissue.FieldTotalNumber), store.MaxAs)))
		if err != nil {
			return nil, err
		}
		create.SetTotalNumber(total + 1)
	}
	return create.Save(ctx)
}

// Advance moves an issue one step along its workflow; a published issue
// is read-only (its policy refuses any change).
func Advance(ctx context.Context, c *ent.Client, id pulid.ID, to bulletinissue.Status, now time.Time) (*ent.BulletinIssue, error) {
	if err := c.LockRow(ctx, id); err != nil {
		return nil, err
	}
	is, err := c.BulletinIssue.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := bulletin.Advance(bulletin.Status(is.Status), bulletin.Status(to)); err != nil {
		return nil, apierr.BadInput("to", "%s", err)
	}
	upd := is.Update().SetStatus(to)
	if to == bulletinissue.StatusPUBLISHED {
		upd.SetPublishedAt(now.UTC())
	}
	return upd.Save(ctx)
}

// MaxArticlesPerIssue bounds BulletinIssue.articles.
const MaxArticlesPerIssue = 200

// SubmitArticle adds the viewer's article to an issue being edited (at
// most MaxArticlesPerIssue; the issue's row is locked while counting).
func SubmitArticle(ctx context.Context, c *ent.Client, input ent.CreateArticleInput) (*ent.Article, error) {
	if err := c.LockRow(ctx, input.IssueID); err != nil {
		return nil, err
	}
	is, err := c.BulletinIssue.Get(ctx, input.IssueID)
	if err != nil {
		return nil, err
	}
	if is.Status != bulletinissue.StatusEDITING {
		return nil, apierr.BadInput("issueID", "articles are submitted to an issue in EDITING; it is %s", is.Status)
	}
	sys := viewer.SystemOf(ctx)
	if n, err := c.Article.Query().Where(article.IssueID(is.ID)).Count(sys); err != nil {
		return nil, err
	} else if n >= MaxArticlesPerIssue {
		return nil, apierr.BadInput("issueID", "an issue holds at most %d articles", MaxArticlesPerIssue)
	}
	return c.Article.Create().SetInput(input).Save(ctx)
}

// Decision is an editor's review of an article.
type Decision string

// The decisions.
const (
	Accept Decision = "ACCEPT"
	Reject Decision = "REJECT"
)

// Review accepts (placing it after the issue's accepted articles) or
// rejects an article of an issue not yet published.
func Review(ctx context.Context, c *ent.Client, id pulid.ID, d Decision) (*ent.Article, error) {
	a, err := c.Article.Query().Where(article.ID(id)).WithIssue().Only(ctx)
	if err != nil {
		return nil, err
	}
	if is := a.Edges.Issue; is != nil && (is.Status == bulletinissue.StatusPUBLISHED || is.Status == bulletinissue.StatusAPPROVED) {
		return nil, apierr.BadInput("id", "the issue is %s: its articles are settled", is.Status)
	}
	if d == Reject {
		return a.Update().SetStatus(article.StatusREJECTED).Save(ctx)
	}
	n, err := c.Article.Query().Where(article.IssueID(a.IssueID), article.StatusEQ(article.StatusACCEPTED)).Count(ctx)
	if err != nil {
		return nil, err
	}
	return a.Update().SetStatus(article.StatusACCEPTED).SetPosition(n + 1).Save(ctx)
}

// PlannedIssue is a regular number of a publication's year: its window
// and the issue created for it, if any.
type PlannedIssue struct {
	Publication            *ent.Publication
	Year                   int
	Number                 int
	WindowStart, WindowEnd time.Time
	Late                   bool
	Issue                  *ent.BulletinIssue
}

// Plan is a publication's regular issues of year (two statements).
func Plan(ctx context.Context, c *ent.Client, publicationID pulid.ID, year int, now time.Time) ([]*PlannedIssue, error) {
	if year < 2000 || year > 2100 {
		return nil, apierr.BadInput("year", "a year from 2000 to 2100")
	}
	pub, err := c.Publication.Get(ctx, publicationID)
	if err != nil {
		return nil, err
	}
	loc := locationOf(ctx)
	s := ScheduleOf(pub)
	issues, err := c.BulletinIssue.Query().
		Where(bulletinissue.PublicationID(pub.ID), bulletinissue.Year(year), bulletinissue.Special(false)).All(ctx)
	if err != nil {
		return nil, err
	}
	byNumber := map[int]*ent.BulletinIssue{}
	for _, is := range issues {
		byNumber[is.Number] = is
	}
	var out []*PlannedIssue
	for _, slot := range s.Plan(year, loc) {
		p := &PlannedIssue{Publication: pub, Year: year, Number: slot.Number, WindowStart: slot.Start, WindowEnd: slot.End, Issue: byNumber[slot.Number]}
		var published *time.Time
		if p.Issue != nil {
			published = p.Issue.PublishedAt
		}
		p.Late = bulletin.Late(slot, published, now)
		out = append(out, p)
	}
	return out, nil
}

// MaxDistribution bounds a distribution list.
const MaxDistribution = 2000

// Distribution is who a CLIENTS publication's issue goes to: the contacts
// with an e-mail address of the accounts of its tiers that the viewer may
// see (all tiers when it names none), by account and name.
func Distribution(ctx context.Context, c *ent.Client, issueID pulid.ID) ([]*ent.Contact, error) {
	is, err := c.BulletinIssue.Query().Where(bulletinissue.ID(issueID)).WithPublication().Only(ctx)
	if err != nil {
		return nil, err
	}
	pub := is.Edges.Publication
	if pub == nil || pub.Audience != publication.AudienceCLIENTS {
		return nil, apierr.BadInput("issueID", "a staff publication has no distribution list")
	}
	accounts := []predicate.Account{}
	if len(pub.Tiers) > 0 {
		tiers := make([]account.Tier, len(pub.Tiers))
		for i, t := range pub.Tiers {
			tiers[i] = account.Tier(t)
		}
		accounts = append(accounts, account.TierIn(tiers...))
	}
	return c.Contact.Query().
		Where(contact.EmailNEQ(""), contact.EmailNotNil(), contact.HasAccountWith(accounts...)).
		Order(ent.Asc(contact.FieldAccountID), ent.Asc(contact.FieldName), ent.Asc(contact.FieldID)).
		Limit(MaxDistribution).All(ctx)
}

// Alerts lists, across publications, the regular issues not published
// yet whose window has passed (late) or opens within days, earliest
// window first: this year's, last year's and next year's plans.
func Alerts(ctx context.Context, c *ent.Client, days int, now time.Time) ([]*PlannedIssue, error) {
	if days < 0 || days > 366 {
		return nil, apierr.BadInput("withinDays", "from 0 to 366 days")
	}
	pubs, err := c.Publication.Query().Order(ent.Asc(publication.FieldName)).Limit(MaxPublications).All(ctx)
	if err != nil {
		return nil, err
	}
	loc := locationOf(ctx)
	year := now.In(loc).Year()
	issues, err := c.BulletinIssue.Query().
		Where(bulletinissue.Special(false), bulletinissue.YearIn(year-1, year, year+1)).All(ctx)
	if err != nil {
		return nil, err
	}
	type key struct {
		pub        pulid.ID
		year, numb int
	}
	byKey := map[key]*ent.BulletinIssue{}
	for _, is := range issues {
		byKey[key{is.PublicationID, is.Year, is.Number}] = is
	}
	horizon := now.AddDate(0, 0, days)
	var out []*PlannedIssue
	for _, p := range pubs {
		for y := year - 1; y <= year+1; y++ {
			for _, slot := range ScheduleOf(p).Plan(y, loc) {
				is := byKey[key{p.ID, y, slot.Number}]
				if is != nil && is.PublishedAt != nil {
					continue
				}
				late := bulletin.Late(slot, nil, now)
				if !late && slot.Start.After(horizon) {
					continue
				}
				out = append(out, &PlannedIssue{Publication: p, Year: y, Number: slot.Number, WindowStart: slot.Start, WindowEnd: slot.End, Late: late, Issue: is})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *PlannedIssue) int { return a.WindowStart.Compare(b.WindowStart) })
	return out[:min(len(out), MaxAlerts)], nil
}

// Bounds of Alerts.
const (
	MaxPublications = 100
	MaxAlerts       = 500
)

// OrderArticles places an issue's accepted articles in the given order
// (all of them, each once), before the issue is approved.
func OrderArticles(ctx context.Context, c *ent.Client, issueID pulid.ID, ids []pulid.ID) ([]*ent.Article, error) {
	if err := c.LockRow(ctx, issueID); err != nil {
		return nil, err
	}
	is, err := c.BulletinIssue.Get(ctx, issueID)
	if err != nil {
		return nil, err
	}
	if is.Status == bulletinissue.StatusAPPROVED || is.Status == bulletinissue.StatusPUBLISHED {
		return nil, apierr.BadInput("issueID", "the issue is %s: its articles are settled", is.Status)
	}
	accepted, err := c.Article.Query().Where(article.IssueID(is.ID), article.StatusEQ(article.StatusACCEPTED)).IDs(ctx)
	if err != nil {
		return nil, err
	}
	if len(ids) != len(accepted) || !sameSet(ids, accepted) {
		return nil, apierr.BadInput("articleIDs", "name every accepted article of the issue once (%d)", len(accepted))
	}
	out := make([]*ent.Article, len(ids))
	for i, id := range ids {
		if out[i], err = c.Article.UpdateOneID(id).SetPosition(i + 1).Save(ctx); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func sameSet(a, b []pulid.ID) bool {
	seen := map[pulid.ID]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		if seen[x] != 1 {
			return false
		}
		delete(seen, x)
	}
	return len(seen) == 0
}

// ScheduleOf is the schedule a publication's row stores.
func ScheduleOf(p *ent.Publication) bulletin.Schedule {
	return bulletin.Schedule{Cadence: bulletin.Cadence(p.Cadence), Months: p.Months, WindowStartDay: p.WindowStartDay, WindowEndDay: p.WindowEndDay}
}

func locationOf(ctx context.Context) *time.Location {
	if v := viewer.FromContext(ctx); v != nil && v.Location != nil {
		return v.Location
	}
	return time.UTC
}
