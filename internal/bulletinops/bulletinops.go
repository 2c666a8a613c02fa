// Package bulletinops applies the publication rules (package bulletin) to
// stored publications, issues and articles, inside the caller's
// transaction: numbering issues (the publication's row is locked while a
// number is taken, and unique indexes back it), the issue plan of a year,
// the workflow and the review of articles.
package bulletinops

import (
	"context"
	"time"

	"database/sql"

	"rapport/ent"
	"rapport/ent/article"
	"rapport/ent/bulletinissue"
	"rapport/internal/apierr"
	"rapport/internal/bulletin"
	"rapport/internal/pulid"
	"rapport/internal/viewer"
)

// CreatePublication checks the schedule and creates the publication.
func CreatePublication(ctx context.Context, c *ent.Client, input ent.CreatePublicationInput) (*ent.Publication, error) {
	s := bulletin.Schedule{Cadence: bulletin.Cadence(input.Cadence), Months: input.Months}
	if input.WindowStartDay != nil {
		s.WindowStartDay = *input.WindowStartDay
	} else {
		s.WindowStartDay = 1
	}
	if input.WindowEndDay != nil {
		s.WindowEndDay = *input.WindowEndDay
	} else {
		s.WindowEndDay = 28
	}
	if field, err := s.Check(); err != nil {
		return nil, apierr.BadInput(field, "%s", err)
	}
	for _, t := range input.Tiers {
		if t != "A" && t != "B" && t != "C" {
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
	number, err := maxOf(ctx, c.BulletinIssue.Query().Where(bulletinissue.PublicationID(pub.ID),
		bulletinissue.Year(input.Year), bulletinissue.Special(special)), bulletinissue.FieldNumber)
	if err != nil {
		return nil, err
	}
	create := c.BulletinIssue.Create().SetInput(input).SetNumber(number + 1)
	if !special {
		total, err := maxOf(ctx, c.BulletinIssue.Query().Where(bulletinissue.PublicationID(pub.ID)), bulletinissue.FieldTotalNumber)
		if err != nil {
			return nil, err
		}
		create.SetTotalNumber(total + 1)
	}
	return create.Save(ctx)
}

// maxOf is the largest value of field among q's rows, 0 without any.
func maxOf(ctx context.Context, q *ent.BulletinIssueQuery, field string) (int, error) {
	var v []struct {
		Max sql.NullInt64 `json:"max"`
	}
	if err := q.Aggregate(ent.As(ent.Max(field), "max")).Scan(ctx, &v); err != nil {
		return 0, err
	}
	if len(v) == 0 || !v[0].Max.Valid {
		return 0, nil
	}
	return int(v[0].Max.Int64), nil
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
	sys := viewer.NewContext(ctx, viewer.NewSystem(viewer.FromContext(ctx).OrgID, nil))
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
	loc := time.UTC
	if v := viewer.FromContext(ctx); v != nil && v.Location != nil {
		loc = v.Location
	}
	s := bulletin.Schedule{Cadence: bulletin.Cadence(pub.Cadence), Months: pub.Months, WindowStartDay: pub.WindowStartDay, WindowEndDay: pub.WindowEndDay}
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
		p := &PlannedIssue{Number: slot.Number, WindowStart: slot.Start, WindowEnd: slot.End, Issue: byNumber[slot.Number]}
		var published *time.Time
		if p.Issue != nil {
			published = p.Issue.PublishedAt
		}
		p.Late = bulletin.Late(slot, published, now)
		out = append(out, p)
	}
	return out, nil
}
