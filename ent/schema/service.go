package schema

import (
	"context"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "rapport/ent"
	"rapport/ent/complaintfollowup"
	"rapport/ent/complaintstep"
	"rapport/ent/creditdecision"
	"rapport/ent/serviceissue"
	"rapport/internal/pulid"
	"rapport/internal/validate"
)

// Customer service (domain §2 credit changes, §3 dormant accounts, §4):
// callback batches and their callbacks, the issues a callback raises,
// complaints with their handling steps and follow-ups, the case library,
// and credit-term requests with their decisions. The rules are in
// internal/service; internal/serviceops applies them in one transaction;
// who sees and writes what is in serviceaccess.go.

// readOnlyInputs keeps a type out of every generated mutation input: its
// rows are written by the service workflows only.
var readOnlyInputs = entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)

func now() time.Time { return time.Now().UTC() }

// inOrder reads a type's rows in their natural order (after any order the
// reader asked for) wherever they are read, eager-loaded lists included:
// apply orders the query when it is the type's.
func inOrder(apply func(ent.Query)) []ent.Interceptor {
	return []ent.Interceptor{ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			apply(q)
			return next.Query(ctx, q)
		})
	})}
}

// CallbackBatch is a round of callbacks (回访) a supervisor starts over a
// set of accounts, spread over service reps.
type CallbackBatch struct{ ent.Schema }

func (CallbackBatch) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("CB"), TimeMixin{}, TenantMixin{}}
}

func (CallbackBatch) Fields() []ent.Field {
	return []ent.Field{
		field.String("title").Validate(validate.Name(200)).Immutable(),
		field.Time("due_at").Immutable().Comment("When the batch's last callback is due.").
			Annotations(entgql.OrderField("DUE_AT")),
		field.String("created_by_id").GoType(pulid.ID("")).Optional().Immutable(),
	}
}

func (CallbackBatch) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("created_by", User.Type).Field("created_by_id").Unique().Immutable(),
		edge.From("callbacks", Callback.Type).Ref("batch").
			Annotations(entgql.RelayConnection(), readOnlyInputs, noWhereInput),
	}
}

func (CallbackBatch) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.QueryField(), entgql.RelayConnection()}
}

func (CallbackBatch) Policy() ent.Policy { return callbackBatchPolicy() }

// Callback is one account's callback in a batch, assigned to a rep.
type Callback struct{ ent.Schema }

func (Callback) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("CK"), TimeMixin{}, TenantMixin{}}
}

func (Callback) Fields() []ent.Field {
	return []ent.Field{
		field.String("batch_id").GoType(pulid.ID("")).Immutable(),
		field.String("account_id").GoType(pulid.ID("")).Immutable(),
		field.String("assignee_id").GoType(pulid.ID("")),
		field.Bool("member").Default(false).Immutable().
			Comment("Whether the account was a member account when the batch started: every member must be reached."),
		field.Time("due_at").Annotations(entgql.OrderField("DUE_AT")),
		field.Enum("status").Values("OPEN", "COMPLETED").Default("OPEN"),
		field.Time("reached_at").Optional().Nillable(),
		field.Time("completed_at").Optional().Nillable(),
		field.Bool("late").Default(false).Comment("Completed after its due time."),
		field.Int("satisfaction").Optional().Nillable().Range(1, 5),
		field.Text("suggestions").Optional().Validate(validate.Text(4000)),
	}
}

func (Callback) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("batch", CallbackBatch.Type).Field("batch_id").Unique().Required().Immutable().Annotations(noWhereInput),
		edge.From("account", Account.Type).Ref("callbacks").Field("account_id").Unique().Required().Immutable().Annotations(noWhereInput),
		edge.To("assignee", User.Type).Field("assignee_id").Unique().Required(),
		edge.From("issues", ServiceIssue.Type).Ref("callback").Annotations(readOnlyInputs, noWhereInput),
	}
}

func (Callback) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("batch_id", "account_id").Unique(),
		index.Fields("assignee_id", "status", "due_at", "id"), // myCallbacks
		index.Fields("account_id", "status"),
	}
}

func (Callback) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}

func (Callback) Policy() ent.Policy { return callbackPolicy() }

// ServiceIssue is an issue a client raised in a callback. It goes to the
// supervisors, who resolve it within an hour; one unresolved after that is
// escalated (derived from its times: internal/service.Escalated).
type ServiceIssue struct{ ent.Schema }

func (ServiceIssue) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("SI"), TimeMixin{}, TenantMixin{}}
}

func (ServiceIssue) Fields() []ent.Field {
	return []ent.Field{
		field.String("callback_id").GoType(pulid.ID("")).Immutable(),
		field.String("account_id").GoType(pulid.ID("")).Immutable(),
		field.String("summary").Validate(validate.Name(1000)).Immutable(),
		field.Time("due_at").Immutable().Comment("Raised + 1 hour: resolved later, or still open after, it is escalated.").
			Annotations(entgql.OrderField("DUE_AT")),
		field.Time("resolved_at").Optional().Nillable(),
		field.Text("resolution").Optional().Validate(validate.Text(4000)),
		field.String("resolved_by_id").GoType(pulid.ID("")).Optional(),
	}
}

func (ServiceIssue) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("callback", Callback.Type).Field("callback_id").Unique().Required().Immutable().Annotations(noWhereInput),
		edge.From("account", Account.Type).Ref("service_issues").Field("account_id").Unique().Required().Immutable().Annotations(noWhereInput),
		edge.To("resolved_by", User.Type).Field("resolved_by_id").Unique(),
	}
}

func (ServiceIssue) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("organization_id", "resolved_at", "due_at"),
		index.Fields("callback_id"),
		index.Fields("account_id"),
	}
}

func (ServiceIssue) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.QueryField(), entgql.RelayConnection()}
}

func (ServiceIssue) Policy() ent.Policy { return serviceIssuePolicy() }

// Interceptors: a callback's issues as they were raised.
func (ServiceIssue) Interceptors() []ent.Interceptor {
	return inOrder(func(q ent.Query) {
		if q, ok := q.(*gen.ServiceIssueQuery); ok {
			q.Order(gen.Asc(serviceissue.FieldCreatedAt), gen.Asc(serviceissue.FieldID))
		}
	})
}

// Complaint is a client's complaint (投诉): restated, classified, answered
// by a promised time, escalated when major, followed up after resolution.
type Complaint struct{ ent.Schema }

func (Complaint) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("CM"), TimeMixin{}, TenantMixin{}, AuditMixin{}}
}

// complaintCategory classifies complaints and the case library: the
// organisation's own words ("产品质量", "交货"), kept short so they group.
func complaintCategory() ent.Field {
	return field.String("category").Validate(validate.Name(50)).Immutable().Annotations(entgql.OrderField("CATEGORY"))
}

func (Complaint) Fields() []ent.Field {
	return []ent.Field{
		field.Int("number").Immutable().Annotations(entgql.OrderField("NUMBER")).
			Comment("The organisation's running complaint number: 1, 2, 3… without gaps."),
		field.String("account_id").GoType(pulid.ID("")).Immutable(),
		field.String("filed_by_id").GoType(pulid.ID("")).Optional().Immutable(),
		field.Text("summary").Validate(validate.Name(4000)).Immutable().Comment("The client's words, restated."),
		complaintCategory(),
		field.Enum("severity").Values("MINOR", "MAJOR", "CRITICAL").Immutable(),
		field.Enum("status").Values("OPEN", "RESOLVED", "CLOSED").Default("OPEN").Annotations(entgql.OrderField("STATUS")),
		field.Bool("resolved_on_spot").Default(false).Immutable(),
		field.Time("promised_reply_at").Optional().Nillable().Immutable().Annotations(entgql.OrderField("PROMISED_REPLY_AT")),
		field.Time("resolved_at").Optional().Nillable(),
		field.Text("resolution").Optional().Validate(validate.Text(4000)),
		field.Bool("replied_late").Default(false).Comment("Resolved after the promised reply time."),
		field.String("escalated_to_id").GoType(pulid.ID("")).Optional().Immutable(),
	}
}

func (Complaint) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("complaints").Field("account_id").Unique().Required().Immutable().Annotations(noWhereInput),
		edge.To("filed_by", User.Type).Field("filed_by_id").Unique().Immutable(),
		edge.To("escalated_to", User.Type).Field("escalated_to_id").Unique().Immutable(),
		edge.From("steps", ComplaintStep.Type).Ref("complaint").Annotations(readOnlyInputs, noWhereInput),
		edge.From("follow_ups", ComplaintFollowUp.Type).Ref("complaint").Annotations(readOnlyInputs, noWhereInput),
		edge.From("case_studies", CaseStudy.Type).Ref("complaint").Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

func (Complaint) Indexes() []ent.Index {
	return []ent.Index{
		// The database keeps numbers from repeating, whatever instance files.
		index.Fields("organization_id", "number").Unique(),
		index.Fields("organization_id", "status", "promised_reply_at"),
		index.Fields("account_id", "created_at"),
	}
}

func (Complaint) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.QueryField(), entgql.RelayConnection()}
}

func (Complaint) Policy() ent.Policy { return complaintPolicy() }

// ComplaintStep is a recorded step of a complaint's handling.
type ComplaintStep struct{ ent.Schema }

func (ComplaintStep) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("CT"), TenantMixin{}}
}

func (ComplaintStep) Fields() []ent.Field {
	return []ent.Field{
		field.String("complaint_id").GoType(pulid.ID("")).Immutable(),
		field.Text("note").Validate(validate.Name(4000)).Immutable(),
		field.String("author_id").GoType(pulid.ID("")).Optional().Immutable(),
		field.Time("created_at").Default(now).Immutable(),
	}
}

func (ComplaintStep) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("complaint", Complaint.Type).Field("complaint_id").Unique().Required().Immutable().Annotations(noWhereInput),
		edge.To("author", User.Type).Field("author_id").Unique().Immutable(),
	}
}

func (ComplaintStep) Indexes() []ent.Index {
	return []ent.Index{index.Fields("complaint_id", "created_at")}
}

func (ComplaintStep) Policy() ent.Policy { return complaintPartPolicy() }

// Interceptors: a complaint's steps as they were taken.
func (ComplaintStep) Interceptors() []ent.Interceptor {
	return inOrder(func(q ent.Query) {
		if q, ok := q.(*gen.ComplaintStepQuery); ok {
			q.Order(gen.Asc(complaintstep.FieldCreatedAt), gen.Asc(complaintstep.FieldID))
		}
	})
}

// ComplaintFollowUp is asking the client, after resolution, whether they
// are satisfied (at most twice: internal/service.MaxFollowUps).
type ComplaintFollowUp struct{ ent.Schema }

func (ComplaintFollowUp) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("CF"), TenantMixin{}}
}

func (ComplaintFollowUp) Fields() []ent.Field {
	return []ent.Field{
		field.String("complaint_id").GoType(pulid.ID("")).Immutable(),
		field.Bool("satisfied").Immutable(),
		field.Text("note").Optional().Validate(validate.Text(4000)).Immutable(),
		field.String("author_id").GoType(pulid.ID("")).Optional().Immutable(),
		field.Time("created_at").Default(now).Immutable(),
	}
}

func (ComplaintFollowUp) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("complaint", Complaint.Type).Field("complaint_id").Unique().Required().Immutable().Annotations(noWhereInput),
		edge.To("author", User.Type).Field("author_id").Unique().Immutable(),
	}
}

func (ComplaintFollowUp) Indexes() []ent.Index {
	return []ent.Index{index.Fields("complaint_id", "created_at")}
}

func (ComplaintFollowUp) Policy() ent.Policy { return complaintPartPolicy() }

// Interceptors: a complaint's follow-ups as they were made.
func (ComplaintFollowUp) Interceptors() []ent.Interceptor {
	return inOrder(func(q ent.Query) {
		if q, ok := q.(*gen.ComplaintFollowUpQuery); ok {
			q.Order(gen.Asc(complaintfollowup.FieldCreatedAt), gen.Asc(complaintfollowup.FieldID))
		}
	})
}

// CaseStudy is a lesson from a complaint, in the case library that later
// projects consult: every member of the organisation reads it.
type CaseStudy struct{ ent.Schema }

func (CaseStudy) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("CY"), TimeMixin{}, TenantMixin{}, AuditMixin{}}
}

func (CaseStudy) Fields() []ent.Field {
	return []ent.Field{
		field.String("complaint_id").GoType(pulid.ID("")).Immutable(),
		field.String("title").Validate(validate.Name(200)).Immutable(),
		field.Text("lesson").Validate(validate.Name(8000)).Immutable(),
		complaintCategory(),
		field.String("author_id").GoType(pulid.ID("")).Optional().Immutable(),
	}
}

func (CaseStudy) Edges() []ent.Edge {
	return []ent.Edge{
		// The complaint itself stays as private as its account.
		edge.To("complaint", Complaint.Type).Field("complaint_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("author", User.Type).Field("author_id").Unique().Immutable(),
	}
}

func (CaseStudy) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id", "category", "created_at")}
}

func (CaseStudy) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.QueryField(), entgql.RelayConnection()}
}

func (CaseStudy) Policy() ent.Policy { return caseStudyPolicy() }

// CreditRequest is a request to change an account's credit limit and
// payment term, with the old and new values (domain §2).
type CreditRequest struct{ ent.Schema }

func (CreditRequest) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("CR"), TimeMixin{}, TenantMixin{}, AuditMixin{}}
}

func (CreditRequest) Fields() []ent.Field {
	return []ent.Field{
		field.String("account_id").GoType(pulid.ID("")).Immutable(),
		field.String("requested_by_id").GoType(pulid.ID("")).Optional().Immutable(),
		field.Int64("old_credit_limit").Optional().Nillable().Immutable(),
		field.Int64("new_credit_limit").Min(0).Max(1_000_000_000_000).Immutable(),
		field.Int("old_payment_term_days").Optional().Nillable().Immutable(),
		field.Int("new_payment_term_days").Range(0, 365).Immutable(),
		field.Text("reason").Validate(validate.Name(2000)).Immutable(),
		field.Enum("status").Values("PENDING", "APPROVED", "REJECTED").Default("PENDING"),
		field.Time("decided_at").Optional().Nillable(),
	}
}

func (CreditRequest) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("credit_requests").Field("account_id").Unique().Required().Immutable().Annotations(noWhereInput),
		edge.To("requested_by", User.Type).Field("requested_by_id").Unique().Immutable(),
		edge.From("steps", CreditDecision.Type).Ref("request").Annotations(readOnlyInputs, noWhereInput),
	}
}

func (CreditRequest) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("organization_id", "status", "created_at"),
		index.Fields("account_id", "status"),
	}
}

func (CreditRequest) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.QueryField(), entgql.RelayConnection()}
}

func (CreditRequest) Policy() ent.Policy { return creditRequestPolicy() }

// CreditDecision is one step's decision on a credit request.
type CreditDecision struct{ ent.Schema }

func (CreditDecision) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("CD"), TenantMixin{}}
}

func (CreditDecision) Fields() []ent.Field {
	return []ent.Field{
		field.String("request_id").GoType(pulid.ID("")).Immutable(),
		field.Enum("step").Values("SALES_MANAGER", "FINANCE", "EXECUTIVE").Immutable(),
		field.Bool("approved").Immutable(),
		field.Text("note").Optional().Validate(validate.Text(2000)).Immutable(),
		field.String("decided_by_id").GoType(pulid.ID("")).Immutable(),
		field.Time("decided_at").Default(now).Immutable(),
	}
}

func (CreditDecision) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("request", CreditRequest.Type).Field("request_id").Unique().Required().Immutable().Annotations(noWhereInput),
		edge.To("decided_by", User.Type).Field("decided_by_id").Unique().Required().Immutable(),
	}
}

func (CreditDecision) Indexes() []ent.Index {
	// One decision per step, whatever instance takes it.
	return []ent.Index{index.Fields("request_id", "step").Unique()}
}

func (CreditDecision) Policy() ent.Policy { return creditDecisionPolicy() }

// Interceptors: a request's decisions in step order (the order they are taken).
func (CreditDecision) Interceptors() []ent.Interceptor {
	return inOrder(func(q ent.Query) {
		if q, ok := q.(*gen.CreditDecisionQuery); ok {
			q.Order(gen.Asc(creditdecision.FieldDecidedAt), gen.Asc(creditdecision.FieldID))
		}
	})
}
