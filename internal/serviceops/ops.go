package serviceops

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"entgo.io/ent/dialect/sql"

	"rapport/ent"
	"rapport/ent/account"
	"rapport/ent/callback"
	"rapport/ent/complaint"
	"rapport/ent/complaintfollowup"
	"rapport/ent/complaintstep"
	"rapport/ent/creditdecision"
	"rapport/ent/creditrequest"
	"rapport/ent/schema"
	"rapport/ent/serviceissue"
	"rapport/ent/user"
	"rapport/internal/apierr"
	"rapport/internal/auth"
	"rapport/internal/authz"
	"rapport/internal/pulid"
	"rapport/internal/service"
	"rapport/internal/store"
	"rapport/internal/viewer"
)

// Limits of the service inputs (beyond the schema's own validators).
const (
	MaxBatchAccounts   = 2000 // accounts in one callback batch
	MaxBatchReps       = 50   // reps one batch is spread over
	MaxIssuesPerRecord = 20   // issues one callback raises
	MaxIssueLength     = 1000
	MaxTextLength      = 4000 // suggestions, resolutions, notes
	MaxComplaintSteps  = 100  // handling steps on one complaint
	MaxAssign          = 200  // accounts one assignServiceRep moves
	MaxPromiseAhead    = 90 * 24 * time.Hour
	futureSkew         = 5 * time.Minute // a reachedAt may be this far past the server's clock
)

// text checks a free text input: trimmed, not empty unless optional, at
// most max characters.
func text(field, s string, max int, optional bool) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" && !optional:
		return "", apierr.BadInput(field, "%s is required", field)
	case utf8.RuneCountInString(s) > max:
		return "", apierr.BadInput(field, "%s is at most %d characters", field, max)
	}
	return s, nil
}

// reps loads the users ids name and checks each holds SERVICE_REP.
func reps(ctx context.Context, c *ent.Client, field string, ids []pulid.ID) ([]*ent.User, error) {
	users, err := c.User.Query().Where(user.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		i := slices.IndexFunc(users, func(u *ent.User) bool { return u.ID == id })
		if i < 0 {
			return nil, apierr.BadInput(field, "no user %q in the organisation", id)
		}
		if !slices.Contains(users[i].Roles, string(auth.RoleServiceRep)) {
			return nil, apierr.BadInput(field, "%s does not hold the SERVICE_REP role", users[i].Name)
		}
	}
	return users, nil
}

// openLoad counts the open callbacks of each of ids.
func openLoad(ctx context.Context, c *ent.Client, ids []pulid.ID) (map[string]int, error) {
	var rows []struct {
		AssigneeID pulid.ID `json:"assignee_id"`
		Count      int      `json:"count"`
	}
	err := c.Callback.Query().Where(callback.AssigneeIDIn(ids...), callback.StatusEQ(callback.StatusOPEN)).
		GroupBy(callback.FieldAssigneeID).Aggregate(ent.Count()).Scan(viewer.SystemOf(ctx), &rows)
	load := map[string]int{}
	for _, r := range rows {
		load[string(r.AssigneeID)] = r.Count
	}
	return load, err
}

// BatchInput starts a callback batch.
type BatchInput struct {
	Title    string
	Accounts *ent.AccountWhereInput
	RepIDs   []pulid.ID
}

// CreateBatch starts a batch over the accounts the filter matches (those
// the supervisor sees), spread evenly over the reps, the least loaded
// first; every callback is due within service.CallbackDays, inside
// working hours.
func CreateBatch(ctx context.Context, c *ent.Client, in BatchInput, now time.Time) (*ent.CallbackBatch, error) {
	ids := slices.Compact(slices.Sorted(slices.Values(in.RepIDs)))
	if len(ids) == 0 || len(ids) > MaxBatchReps {
		return nil, apierr.BadInput("repIDs", "a batch is spread over 1 to %d service reps", MaxBatchReps)
	}
	if !viewer.FromContext(ctx).Can(authz.SuperviseService) {
		return nil, apierr.Forbiddenf("only a service supervisor starts callback batches")
	}
	if _, err := reps(ctx, c, "repIDs", ids); err != nil {
		return nil, err
	}
	q := c.Account.Query()
	if in.Accounts != nil {
		var err error
		if q, err = in.Accounts.Filter(q); err != nil {
			return nil, apierr.BadInput("accounts", "%v", err)
		}
	}
	accounts, err := q.Order(ent.Asc(account.FieldName), ent.Asc(account.FieldID)).Limit(MaxBatchAccounts + 1).All(ctx)
	switch {
	case err != nil:
		return nil, err
	case len(accounts) == 0:
		return nil, apierr.BadInput("accounts", "no account matches the filter")
	case len(accounts) > MaxBatchAccounts:
		return nil, apierr.BadInput("accounts", "a batch holds at most %d accounts; narrow the filter", MaxBatchAccounts)
	}
	load, err := openLoad(ctx, c, ids)
	if err != nil {
		return nil, err
	}
	order, err := service.Spread(len(accounts), toStrings(ids), load)
	if err != nil {
		return nil, apierr.BadInput("repIDs", "%v", err)
	}
	_, cal, err := PolicyOf(ctx, c)
	if err != nil {
		return nil, err
	}
	due, err := service.Hours{Windows: service.DefaultWindows, Calendar: cal}.CallbackDue(now)
	if err != nil {
		return nil, err
	}
	title, err := text("title", in.Title, 200, false)
	if err != nil {
		return nil, err
	}
	b, err := c.CallbackBatch.Create().SetTitle(title).SetDueAt(due).SetCreatedByID(viewer.FromContext(ctx).UserID).Save(ctx)
	if err != nil {
		return nil, err
	}
	bulk := make([]*ent.CallbackCreate, len(accounts))
	for i, a := range accounts {
		bulk[i] = c.Callback.Create().SetBatchID(b.ID).SetAccountID(a.ID).SetAssigneeID(pulid.ID(order[i])).
			SetMember(a.Member).SetDueAt(due)
	}
	for chunk := range slices.Chunk(bulk, 500) {
		if err := c.Callback.CreateBulk(chunk...).Exec(ctx); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func toStrings(ids []pulid.ID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}

// CallbackRecord is what a rep records of a callback.
type CallbackRecord struct {
	ReachedAt    time.Time
	Satisfaction int
	Suggestions  *string
	Issues       []string
}

// RecordCallback completes a callback: when the client was reached, their
// satisfaction, suggestions and the issues they raised, each an issue for
// the supervisors to resolve within the hour.
func RecordCallback(ctx context.Context, c *ent.Client, id pulid.ID, in CallbackRecord, now time.Time) (*ent.Callback, error) {
	if err := c.LockRow(ctx, id); err != nil {
		return nil, err
	}
	cb, err := c.Callback.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if cb.Status != callback.StatusOPEN {
		return nil, apierr.Conflictf("the callback was recorded already")
	}
	switch {
	case in.Satisfaction < 1 || in.Satisfaction > 5:
		return nil, apierr.BadInput("satisfaction", "satisfaction is from 1 to 5")
	case in.ReachedAt.After(now.Add(futureSkew)):
		return nil, apierr.BadInput("reachedAt", "the client cannot have been reached in the future")
	case in.ReachedAt.Before(cb.CreatedAt.Add(-futureSkew)):
		return nil, apierr.BadInput("reachedAt", "the client was reached before the callback was assigned")
	case len(in.Issues) > MaxIssuesPerRecord:
		return nil, apierr.BadInput("issues", "a callback raises at most %d issues", MaxIssuesPerRecord)
	}
	var suggestions string
	if in.Suggestions != nil {
		if suggestions, err = text("suggestions", *in.Suggestions, MaxTextLength, true); err != nil {
			return nil, err
		}
	}
	issues := make([]*ent.ServiceIssueCreate, 0, len(in.Issues))
	for i, s := range in.Issues {
		s, err := text("issues", s, MaxIssueLength, false)
		if err != nil {
			return nil, err
		}
		raised := now.Add(time.Duration(i) * time.Microsecond) // in the order given
		issues = append(issues, c.ServiceIssue.Create().SetCallbackID(cb.ID).SetAccountID(cb.AccountID).
			SetSummary(s).SetCreatedAt(raised).SetDueAt(raised.Add(service.EscalateAfter)))
	}
	// The issues first: a rep reads the account (and links rows to it) only
	// while the callback is open.
	if len(issues) > 0 {
		if err := c.ServiceIssue.CreateBulk(issues...).Exec(ctx); err != nil {
			return nil, err
		}
	}
	cb, err = c.Callback.UpdateOneID(id).SetStatus(callback.StatusCOMPLETED).
		SetReachedAt(in.ReachedAt).SetCompletedAt(now).SetLate(now.After(cb.DueAt)).
		SetSatisfaction(in.Satisfaction).SetSuggestions(suggestions).Save(ctx)
	if err != nil {
		return nil, err
	}
	return cb, nil
}

// ResolveIssue resolves an issue a callback raised.
func ResolveIssue(ctx context.Context, c *ent.Client, id pulid.ID, resolution string, now time.Time) (*ent.ServiceIssue, error) {
	if err := c.LockRow(ctx, id); err != nil {
		return nil, err
	}
	is, err := c.ServiceIssue.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if is.ResolvedAt != nil {
		return nil, apierr.Conflictf("the issue was resolved already")
	}
	if resolution, err = text("resolution", resolution, MaxTextLength, false); err != nil {
		return nil, err
	}
	return c.ServiceIssue.UpdateOneID(id).SetResolvedAt(now).SetResolution(resolution).
		SetResolvedByID(viewer.FromContext(ctx).UserID).Save(ctx)
}

// IssueStatus is an issue's status at now: RESOLVED, OPEN, or ESCALATED
// when an hour passed unresolved.
func IssueStatus(is *ent.ServiceIssue, now time.Time) string {
	switch {
	case is.ResolvedAt != nil:
		return "RESOLVED"
	case service.Escalated(is.CreatedAt, nil, now):
		return "ESCALATED"
	}
	return "OPEN"
}

// Report is a batch's summary.
type Report struct {
	Batch                                     *ent.CallbackBatch
	Total, Completed, CompletedOnTime, Late   int
	Satisfaction                              []*ScoreCount
	IssuesRaised, IssuesEscalated, IssuesOpen int
	Members, MembersReached                   int
	MissedMembers                             []*ent.Account
}

type ScoreCount struct{ Score, Count int }

// MaxMissedMembers bounds Report.MissedMembers.
const MaxMissedMembers = 200

// BatchReport sums up a batch's callbacks as the viewer sees them (a
// supervisor: all): a few grouped statements whatever its size.
func BatchReport(ctx context.Context, c *ent.Client, batchID pulid.ID, now time.Time) (*Report, error) {
	b, err := c.CallbackBatch.Get(ctx, batchID)
	if err != nil {
		return nil, err
	}
	r := &Report{Batch: b, Satisfaction: []*ScoreCount{}}
	var rows []struct {
		Status       string `json:"status"`
		Late         bool   `json:"late"`
		Member       bool   `json:"member"`
		Satisfaction *int   `json:"satisfaction"`
		Count        int    `json:"count"`
	}
	err = c.Callback.Query().Where(callback.BatchID(batchID)).
		GroupBy(callback.FieldStatus, callback.FieldLate, callback.FieldMember, callback.FieldSatisfaction).
		Aggregate(ent.Count()).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	scores := map[int]int{}
	for _, row := range rows {
		r.Total += row.Count
		if row.Member {
			r.Members += row.Count
		}
		if row.Status != string(callback.StatusCOMPLETED) {
			continue
		}
		r.Completed += row.Count
		if row.Late {
			r.Late += row.Count
		} else {
			r.CompletedOnTime += row.Count
		}
		if row.Member {
			r.MembersReached += row.Count
		}
		if row.Satisfaction != nil {
			scores[*row.Satisfaction] += row.Count
		}
	}
	for s := 1; s <= 5; s++ {
		r.Satisfaction = append(r.Satisfaction, &ScoreCount{Score: s, Count: scores[s]})
	}
	issues := c.ServiceIssue.Query().Where(serviceissue.HasCallbackWith(callback.BatchID(batchID)))
	if r.IssuesRaised, err = issues.Clone().Count(ctx); err != nil {
		return nil, err
	}
	if r.IssuesOpen, err = issues.Clone().Where(serviceissue.ResolvedAtIsNil()).Count(ctx); err != nil {
		return nil, err
	}
	r.IssuesEscalated, err = issues.Clone().Where(serviceissue.Or(
		serviceissue.And(serviceissue.ResolvedAtIsNil(), serviceissue.DueAtLT(now)),
		func(s *sql.Selector) {
			s.Where(sql.ColumnsGT(s.C(serviceissue.FieldResolvedAt), s.C(serviceissue.FieldDueAt)))
		},
	)).Count(ctx)
	if err != nil {
		return nil, err
	}
	if r.Members > r.MembersReached {
		r.MissedMembers, err = c.Account.Query().Where(account.HasCallbacksWith(callback.BatchID(batchID),
			callback.Member(true), callback.StatusEQ(callback.StatusOPEN))).
			Order(ent.Asc(account.FieldName)).Limit(MaxMissedMembers).All(ctx)
	}
	return r, err
}

// ComplaintInput files a complaint.
type ComplaintInput struct {
	AccountID       pulid.ID
	Summary         string
	Category        string
	Severity        complaint.Severity
	PromisedReplyAt *time.Time
	ResolvedOnSpot  bool
	Resolution      *string
}

// FileComplaint records a complaint with the organisation's next number
// (the organisation's row is locked meanwhile, and a unique index backs
// it). A MAJOR or CRITICAL one is escalated at once to the head of the
// account owner's department, or, without one, to the owner's manager.
func FileComplaint(ctx context.Context, c *ent.Client, in ComplaintInput, now time.Time) (*ent.Complaint, error) {
	summary, err := text("summary", in.Summary, MaxTextLength, false)
	if err != nil {
		return nil, err
	}
	category, err := text("category", in.Category, 50, false)
	if err != nil {
		return nil, err
	}
	if err := complaint.SeverityValidator(in.Severity); err != nil {
		return nil, apierr.BadInput("severity", "unknown severity %q", in.Severity)
	}
	create := c.Complaint.Create().SetAccountID(in.AccountID).SetSummary(summary).SetCategory(category).
		SetSeverity(in.Severity).SetFiledByID(viewer.FromContext(ctx).UserID)
	switch {
	case in.ResolvedOnSpot && in.PromisedReplyAt != nil:
		return nil, apierr.BadInput("promisedReplyAt", "a complaint resolved on the spot has no promised reply time")
	case in.ResolvedOnSpot:
		resolution := ""
		if in.Resolution != nil {
			if resolution, err = text("resolution", *in.Resolution, MaxTextLength, true); err != nil {
				return nil, err
			}
		}
		create.SetResolvedOnSpot(true).SetStatus(complaint.StatusRESOLVED).SetResolvedAt(now).SetResolution(resolution)
	case in.PromisedReplyAt == nil:
		return nil, apierr.BadInput("promisedReplyAt", "a promised reply time is required unless the complaint is resolved on the spot")
	case !in.PromisedReplyAt.After(now):
		return nil, apierr.BadInput("promisedReplyAt", "the promised reply time is in the past")
	case in.PromisedReplyAt.After(now.Add(MaxPromiseAhead)):
		return nil, apierr.BadInput("promisedReplyAt", "a reply is promised within %d days", int(MaxPromiseAhead.Hours()/24))
	default:
		create.SetPromisedReplyAt(in.PromisedReplyAt.UTC())
	}
	if in.Severity == complaint.SeverityMAJOR || in.Severity == complaint.SeverityCRITICAL {
		to, err := EscalationOf(ctx, c, in.AccountID)
		if err != nil {
			return nil, err
		}
		create.SetNillableEscalatedToID(to)
	}
	org := viewer.FromContext(ctx).OrgID
	if err := c.LockRow(ctx, org); err != nil {
		return nil, err
	}
	last, err := store.Largest(viewer.SystemOf(ctx), c.Complaint.Query().Aggregate(ent.As(ent.Max(complaint.FieldNumber), store.MaxAs)))
	if err != nil {
		return nil, err
	}
	return create.SetNumber(last + 1).Save(ctx)
}

// EscalationOf is who a major complaint on the account goes to: the head
// of the owner's department, or the owner's manager; nil without either
// (or for an account the viewer cannot see: the create then answers
// NOT_FOUND).
func EscalationOf(ctx context.Context, c *ent.Client, accountID pulid.ID) (*pulid.ID, error) {
	a, err := c.Account.Query().Where(account.ID(accountID)).WithOwner(func(q *ent.UserQuery) { q.WithDepartment() }).Only(ctx)
	if ent.IsNotFound(err) || (err == nil && a.Edges.Owner == nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	owner := a.Edges.Owner
	if d := owner.Edges.Department; d != nil && d.HeadID != "" && d.HeadID != owner.ID {
		return &d.HeadID, nil
	}
	if owner.ManagerID != "" {
		return &owner.ManagerID, nil
	}
	return nil, nil
}

// complaintFor locks a complaint and reads it (NOT_FOUND when not visible).
func complaintFor(ctx context.Context, c *ent.Client, id pulid.ID) (*ent.Complaint, error) {
	if err := c.LockRow(ctx, id); err != nil {
		return nil, err
	}
	return c.Complaint.Get(ctx, id)
}

// AddStep records a handling step.
func AddStep(ctx context.Context, c *ent.Client, id pulid.ID, note string) (*ent.Complaint, error) {
	cp, err := complaintFor(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if cp.Status == complaint.StatusCLOSED {
		return nil, apierr.Conflictf("complaint %d is closed", cp.Number)
	}
	if note, err = text("note", note, MaxTextLength, false); err != nil {
		return nil, err
	}
	n, err := c.ComplaintStep.Query().Where(complaintstep.ComplaintID(id)).Count(ctx)
	if err != nil {
		return nil, err
	}
	if n >= MaxComplaintSteps {
		return nil, apierr.BadInput("note", "a complaint holds at most %d steps", MaxComplaintSteps)
	}
	if err := c.ComplaintStep.Create().SetComplaintID(id).SetNote(note).SetAuthorID(viewer.FromContext(ctx).UserID).Exec(ctx); err != nil {
		return nil, err
	}
	return cp, nil
}

// Resolve resolves an open complaint; late when after the promise.
func Resolve(ctx context.Context, c *ent.Client, id pulid.ID, resolution string, now time.Time) (*ent.Complaint, error) {
	cp, err := complaintFor(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if cp.Status != complaint.StatusOPEN {
		return nil, apierr.Conflictf("complaint %d is %s already", cp.Number, strings.ToLower(string(cp.Status)))
	}
	if resolution, err = text("resolution", resolution, MaxTextLength, false); err != nil {
		return nil, err
	}
	late := cp.PromisedReplyAt != nil && now.After(*cp.PromisedReplyAt)
	return c.Complaint.UpdateOneID(id).SetStatus(complaint.StatusRESOLVED).SetResolvedAt(now).
		SetResolution(resolution).SetRepliedLate(late).Save(ctx)
}

// FollowUp records asking the client, after resolution, whether they are
// satisfied: at most service.MaxFollowUps times; a satisfied answer closes
// the complaint.
func FollowUp(ctx context.Context, c *ent.Client, id pulid.ID, satisfied bool, note *string) (*ent.Complaint, error) {
	cp, err := complaintFor(ctx, c, id)
	if err != nil {
		return nil, err
	}
	switch cp.Status {
	case complaint.StatusOPEN:
		return nil, apierr.BadInput("id", "complaint %d is not resolved yet: follow up after resolving it", cp.Number)
	case complaint.StatusCLOSED:
		return nil, apierr.BadInput("id", "complaint %d is closed: the client was satisfied", cp.Number)
	}
	asked, err := c.ComplaintFollowUp.Query().Where(complaintfollowup.ComplaintID(id)).Count(ctx)
	if err != nil {
		return nil, err
	}
	if !service.CanFollowUp(asked) {
		return nil, apierr.BadInput("id", "the client was asked %d times already; that is the most", service.MaxFollowUps)
	}
	var n string
	if note != nil {
		if n, err = text("note", *note, MaxTextLength, true); err != nil {
			return nil, err
		}
	}
	if err := c.ComplaintFollowUp.Create().SetComplaintID(id).SetSatisfied(satisfied).SetNote(n).
		SetAuthorID(viewer.FromContext(ctx).UserID).Exec(ctx); err != nil {
		return nil, err
	}
	if satisfied {
		return c.Complaint.UpdateOneID(id).SetStatus(complaint.StatusCLOSED).Save(ctx)
	}
	return cp, nil
}

// AddCaseStudy files a resolved complaint's lesson in the case library.
func AddCaseStudy(ctx context.Context, c *ent.Client, complaintID pulid.ID, lesson string) (*ent.CaseStudy, error) {
	cp, err := c.Complaint.Get(ctx, complaintID)
	if err != nil {
		return nil, err
	}
	if cp.Status == complaint.StatusOPEN {
		return nil, apierr.BadInput("complaintID", "complaint %d is not resolved yet", cp.Number)
	}
	if lesson, err = text("lesson", lesson, 8000, false); err != nil {
		return nil, err
	}
	title := fmt.Sprintf("%s — complaint %d", cp.Category, cp.Number)
	return c.CaseStudy.Create().SetComplaintID(cp.ID).SetTitle(title).SetLesson(lesson).
		SetCategory(cp.Category).SetAuthorID(viewer.FromContext(ctx).UserID).Save(ctx)
}

// CreditInput requests a credit-term change.
type CreditInput struct {
	AccountID       pulid.ID
	CreditLimit     int64
	PaymentTermDays int
	Reason          string
}

// RequestCredit records a request with the account's current terms; an
// account has one pending request at a time (its row is locked while
// checking).
func RequestCredit(ctx context.Context, c *ent.Client, in CreditInput) (*ent.CreditRequest, error) {
	switch {
	case in.CreditLimit < 0 || in.CreditLimit > 1_000_000_000_000:
		return nil, apierr.BadInput("creditLimit", "the credit limit is from 0 to 1000000000000")
	case in.PaymentTermDays < 0 || in.PaymentTermDays > 365:
		return nil, apierr.BadInput("paymentTermDays", "the payment term is from 0 to 365 days")
	}
	reason, err := text("reason", in.Reason, 2000, false)
	if err != nil {
		return nil, err
	}
	if err := c.LockRow(ctx, in.AccountID); err != nil {
		return nil, err
	}
	a, err := c.Account.Get(ctx, in.AccountID)
	if err != nil {
		return nil, err
	}
	pending, err := c.CreditRequest.Query().Where(creditrequest.AccountID(a.ID), creditrequest.StatusEQ(creditrequest.StatusPENDING)).Exist(viewer.SystemOf(ctx))
	if err != nil {
		return nil, err
	}
	if pending {
		return nil, apierr.Conflictf("the account has a pending credit request; decide it first")
	}
	return c.CreditRequest.Create().SetAccountID(a.ID).SetRequestedByID(viewer.FromContext(ctx).UserID).
		SetNillableOldCreditLimit(a.CreditLimit).SetNewCreditLimit(in.CreditLimit).
		SetNillableOldPaymentTermDays(a.PaymentTermDays).SetNewPaymentTermDays(in.PaymentTermDays).
		SetReason(reason).Save(ctx)
}

// Decide records the viewer's decision on the request's next step (the
// request's row is locked, and a unique index allows one per step): a
// rejection ends the request; the last approval changes the account in the
// same transaction, as the signer's audited edit.
func Decide(ctx context.Context, c *ent.Client, id pulid.ID, approve bool, note *string, now time.Time) (*ent.CreditRequest, error) {
	if err := c.LockRow(ctx, id); err != nil {
		return nil, err
	}
	r, err := c.CreditRequest.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Status != creditrequest.StatusPENDING {
		return nil, apierr.BadInput("id", "the request was %s already", strings.ToLower(string(r.Status)))
	}
	done, err := c.CreditDecision.Query().Where(creditdecision.RequestID(id), creditdecision.Approved(true)).Count(ctx)
	if err != nil {
		return nil, err
	}
	v := viewer.FromContext(ctx)
	holds := func(s service.CreditStep) bool { return v.Can(schema.CreditStepCapability(s)) }
	step := service.NextCreditStep(done)
	if !holds(step) {
		i := slices.IndexFunc(service.CreditSteps, holds)
		if i < 0 {
			return nil, apierr.Forbiddenf("the %s step is decided by a holder of that role", step)
		}
		step = service.CreditSteps[i]
	}
	if err := service.CheckCreditDecision(done, step, holds); err != nil {
		return nil, apierr.BadInput("id", "%v", err)
	}
	var n string
	if note != nil {
		if n, err = text("note", *note, 2000, true); err != nil {
			return nil, err
		}
	}
	err = c.CreditDecision.Create().SetRequestID(id).SetStep(creditdecision.Step(step)).SetApproved(approve).
		SetNote(n).SetDecidedByID(v.UserID).SetDecidedAt(now).Exec(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case !approve:
		return c.CreditRequest.UpdateOneID(id).SetStatus(creditrequest.StatusREJECTED).SetDecidedAt(now).Save(ctx)
	case service.NextCreditStep(done+1) != "":
		return r, nil
	}
	err = c.Account.UpdateOneID(r.AccountID).SetCreditLimit(r.NewCreditLimit).SetPaymentTermDays(r.NewPaymentTermDays).
		Exec(service.WithCreditApproval(ctx))
	if err != nil {
		return nil, err
	}
	return c.CreditRequest.UpdateOneID(id).SetStatus(creditrequest.StatusAPPROVED).SetDecidedAt(now).Save(ctx)
}

// RepLoad is a service rep's load.
type RepLoad struct {
	Rep                                       *ent.User
	Accounts, OpenCallbacks, OverdueCallbacks int
}

// MaxReps bounds the reps listed.
const MaxReps = 500

// Loads lists the organisation's service reps with the accounts they
// service and their open and overdue callbacks, as the viewer sees them.
func Loads(ctx context.Context, c *ent.Client, now time.Time) ([]*RepLoad, error) {
	users, err := c.User.Query().Order(ent.Asc(user.FieldName)).All(ctx)
	if err != nil {
		return nil, err
	}
	var out []*RepLoad
	var ids []pulid.ID
	for _, u := range users {
		if slices.Contains(u.Roles, string(auth.RoleServiceRep)) && len(out) < MaxReps {
			out = append(out, &RepLoad{Rep: u})
			ids = append(ids, u.ID)
		}
	}
	var accounts []struct {
		ServiceRepID pulid.ID `json:"service_rep_id"`
		Count        int      `json:"count"`
	}
	if err := c.Account.Query().Where(account.ServiceRepIDIn(ids...)).GroupBy(account.FieldServiceRepID).Aggregate(ent.Count()).Scan(ctx, &accounts); err != nil {
		return nil, err
	}
	open := c.Callback.Query().Where(callback.AssigneeIDIn(ids...), callback.StatusEQ(callback.StatusOPEN))
	var callbacks, overdue []struct {
		AssigneeID pulid.ID `json:"assignee_id"`
		Count      int      `json:"count"`
	}
	if err := open.Clone().GroupBy(callback.FieldAssigneeID).Aggregate(ent.Count()).Scan(ctx, &callbacks); err != nil {
		return nil, err
	}
	if err := open.Where(callback.DueAtLT(now)).GroupBy(callback.FieldAssigneeID).Aggregate(ent.Count()).Scan(ctx, &overdue); err != nil {
		return nil, err
	}
	for _, l := range out {
		for _, a := range accounts {
			if a.ServiceRepID == l.Rep.ID {
				l.Accounts = a.Count
			}
		}
		for _, cb := range callbacks {
			if cb.AssigneeID == l.Rep.ID {
				l.OpenCallbacks = cb.Count
			}
		}
		for _, cb := range overdue {
			if cb.AssigneeID == l.Rep.ID {
				l.OverdueCallbacks = cb.Count
			}
		}
	}
	return out, nil
}

// Assign makes rep (nil: nobody) the service rep of the accounts; the
// account policy lets a supervisor, sales manager or admin do it on the
// accounts they see. Each assignment starts the rep's week to contact
// the account manager.
func Assign(ctx context.Context, c *ent.Client, ids []pulid.ID, rep *pulid.ID) ([]*ent.Account, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if len(ids) == 0 || len(ids) > MaxAssign {
		return nil, apierr.BadInput("accountIDs", "assign 1 to %d accounts at a time", MaxAssign)
	}
	seen, err := c.Account.Query().Where(account.IDIn(ids...)).IDs(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if !slices.Contains(seen, id) {
			return nil, apierr.NotFoundf("account %q not found", id)
		}
	}
	for _, id := range ids {
		u := c.Account.UpdateOneID(id)
		if rep == nil {
			u.ClearServiceRepID()
		} else {
			u.SetServiceRepID(*rep)
		}
		if err := u.Exec(ctx); err != nil {
			return nil, err
		}
	}
	return c.Account.Query().Where(account.IDIn(ids...)).Order(ent.Asc(account.FieldName)).All(ctx)
}

// RecordHandover records that the account's service rep contacted its
// account manager, ending its NEW_ACCOUNT watch.
func RecordHandover(ctx context.Context, c *ent.Client, id pulid.ID, now time.Time) (*ent.Account, error) {
	a, err := c.Account.Get(ctx, id)
	if err != nil || a.ServiceHandoverAt != nil {
		return a, err
	}
	return c.Account.UpdateOneID(id).SetServiceHandoverAt(now).Save(ctx)
}

// TakeOver hands an account that NO_FOLLOW_UP flags to the service
// department: it keeps its rep, or, without one, gets the least loaded.
func TakeOver(ctx context.Context, c *ent.Client, id pulid.ID, now time.Time) (*ent.Account, error) {
	if err := c.LockRow(ctx, id); err != nil {
		return nil, err
	}
	a, err := c.Account.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	p, cal, err := PolicyOf(ctx, c)
	if err != nil {
		return nil, err
	}
	if a.ServiceTakenOverAt != nil {
		return nil, apierr.Conflictf("the service department took the account over already")
	}
	if _, flagged := p.Check(service.NoFollowUp, watched(a), now, cal.Loc); !flagged {
		return nil, apierr.BadInput("accountID", "the account is followed up by its account manager (NO_FOLLOW_UP does not flag it)")
	}
	u := c.Account.UpdateOneID(id).SetServiceTakenOverAt(now)
	if a.ServiceRepID == "" {
		loads, err := Loads(ctx, c, now)
		if err != nil {
			return nil, err
		}
		if len(loads) == 0 {
			return nil, apierr.BadInput("accountID", "the organisation has no service rep to take the account over")
		}
		slices.SortStableFunc(loads, func(x, y *RepLoad) int { return x.Accounts - y.Accounts })
		u.SetServiceRepID(loads[0].Rep.ID)
	}
	return u.Save(ctx)
}

// watched is what the watchlist rules read of an account.
func watched(a *ent.Account) service.Account {
	return service.Account{
		CreatedAt: a.CreatedAt, LastOrderAt: a.LastOrderAt, LastContactAt: a.LastContactAt,
		Dormant: a.LifecycleStage == account.LifecycleStageDORMANT, OutstandingBalance: a.OutstandingBalance,
		RepAssignedAt: a.ServiceAssignedAt, RepContactedAt: a.ServiceHandoverAt, TakenOverAt: a.ServiceTakenOverAt,
	}
}
