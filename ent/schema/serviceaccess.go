package schema

import (
	"context"
	"slices"

	"entgo.io/ent"

	gen "rapport/ent"
	"rapport/ent/account"
	"rapport/ent/callback"
	"rapport/ent/callbackbatch"
	"rapport/ent/complaint"
	"rapport/ent/complaintstep"
	"rapport/ent/creditdecision"
	"rapport/ent/creditrequest"
	"rapport/ent/predicate"
	"rapport/ent/privacy"
	"rapport/ent/serviceissue"
	"rapport/internal/apierr"
	"rapport/internal/authz"
	"rapport/internal/pulid"
	"rapport/internal/service"
	"rapport/internal/viewer"
)

// Who sees and writes the service data (service.go), by the capability
// table of internal/authz:
//   - a service supervisor (and whoever reads every account) reads all of
//     the organisation's service data; a service rep that of the accounts
//     they service, the callbacks assigned to them, and the complaints
//     they filed; an account manager or sales manager that of the accounts
//     they read;
//   - finance reads every credit request; whoever holds a step's
//     capability decides that step;
//   - the case library is the whole organisation's.

// serviceAccounts is the predicate of the accounts whose service history v
// reads, or nil for all of them.
func serviceAccounts(v *viewer.Viewer) predicate.Account {
	if v.Can(authz.SuperviseService) {
		return nil
	}
	return accountsReadBy(v)
}

// callbacksOf is the predicate of the callbacks v reads (nil: all).
func callbacksOf(v *viewer.Viewer) predicate.Callback {
	p := serviceAccounts(v)
	if p == nil {
		return nil
	}
	return callback.Or(callback.HasAccountWith(p), callback.AssigneeID(v.UserID))
}

// complaintsOf is the predicate of the complaints v reads (nil: all).
func complaintsOf(v *viewer.Viewer) predicate.Complaint {
	p := serviceAccounts(v)
	if p == nil {
		return nil
	}
	return complaint.Or(complaint.HasAccountWith(p), complaint.FiledByID(v.UserID), complaint.EscalatedToID(v.UserID))
}

// creditRequestsOf is the predicate of the credit requests v reads (nil:
// all).
func creditRequestsOf(v *viewer.Viewer) predicate.CreditRequest {
	if v.Can(authz.CheckCredit) {
		return nil
	}
	p := accountsReadBy(v)
	if p == nil {
		return nil
	}
	return creditrequest.Or(creditrequest.HasAccountWith(p), creditrequest.RequestedByID(v.UserID))
}

func callbackBatchPolicy() privacy.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.CallbackBatchQueryRuleFunc(func(ctx context.Context, q *gen.CallbackBatchQuery) error {
			if p := callbacksOf(viewer.FromContext(ctx)); p != nil {
				q.Where(callbackbatch.HasCallbacksWith(p))
			}
			return privacy.Allow
		})},
		Mutation: privacy.MutationPolicy{privacy.CallbackBatchMutationRuleFunc(func(ctx context.Context, m *gen.CallbackBatchMutation) error {
			if !m.Op().Is(gen.OpCreate) {
				return apierr.Forbiddenf("a callback batch is never changed")
			}
			return needs(ctx, authz.SuperviseService, "only a service supervisor starts callback batches")
		})},
	}
}

func callbackPolicy() privacy.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.CallbackQueryRuleFunc(func(ctx context.Context, q *gen.CallbackQuery) error {
			if p := callbacksOf(viewer.FromContext(ctx)); p != nil {
				q.Where(p)
			}
			return privacy.Allow
		})},
		Mutation: privacy.MutationPolicy{privacy.CallbackMutationRuleFunc(func(ctx context.Context, m *gen.CallbackMutation) error {
			v := viewer.FromContext(ctx)
			if v.Can(authz.SuperviseService) {
				return privacy.Allow
			}
			if !m.Op().Is(gen.OpUpdateOne) || !v.Can(authz.RecordCallbacks) {
				return apierr.Forbiddenf("only a service supervisor assigns callbacks")
			}
			if _, ok := m.AssigneeID(); ok {
				return apierr.Forbiddenf("only a service supervisor reassigns callbacks")
			}
			id, _ := m.ID()
			if err := visibleButNot(ctx, m.Client().Callback.Query().Where(callback.ID(id)).Exist,
				m.Client().Callback.Query().Where(callback.ID(id), callback.AssigneeID(v.UserID)).Exist,
				"callback", id, "a callback is recorded by the rep it is assigned to"); err != nil {
				return err
			}
			m.Where(callback.AssigneeID(v.UserID))
			return privacy.Allow
		})},
	}
}

func serviceIssuePolicy() privacy.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.ServiceIssueQueryRuleFunc(func(ctx context.Context, q *gen.ServiceIssueQuery) error {
			v := viewer.FromContext(ctx)
			if p := serviceAccounts(v); p != nil {
				q.Where(serviceissue.Or(serviceissue.HasAccountWith(p), serviceissue.HasCallbackWith(callback.AssigneeID(v.UserID))))
			}
			return privacy.Allow
		})},
		Mutation: privacy.MutationPolicy{privacy.ServiceIssueMutationRuleFunc(func(ctx context.Context, m *gen.ServiceIssueMutation) error {
			v := viewer.FromContext(ctx)
			if v.Can(authz.SuperviseService) {
				return privacy.Allow
			}
			if !m.Op().Is(gen.OpCreate) {
				return apierr.Forbiddenf("only a service supervisor resolves the issues callbacks raise")
			}
			// A rep raises issues on the callbacks they record.
			cb, _ := m.CallbackID()
			ok, err := m.Client().Callback.Query().Where(callback.ID(cb), callback.AssigneeID(v.UserID)).Exist(ctx)
			if err != nil {
				return err
			}
			if !ok || !v.Can(authz.RecordCallbacks) {
				return apierr.Forbiddenf("issues are raised on a callback by the rep it is assigned to")
			}
			return privacy.Allow
		})},
	}
}

func complaintPolicy() privacy.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.ComplaintQueryRuleFunc(func(ctx context.Context, q *gen.ComplaintQuery) error {
			if p := complaintsOf(viewer.FromContext(ctx)); p != nil {
				q.Where(p)
			}
			return privacy.Allow
		})},
		Mutation: privacy.MutationPolicy{privacy.ComplaintMutationRuleFunc(func(ctx context.Context, m *gen.ComplaintMutation) error {
			v := viewer.FromContext(ctx)
			switch {
			case m.Op().Is(gen.OpCreate):
				if err := needs(ctx, authz.HandleComplaints, "your roles do not allow filing complaints"); err != privacy.Allow {
					return err
				}
				id, _ := m.AccountID()
				// Any account v sees, an open callback's included.
				if err := accountWritable(ctx, m.Client(), id, AccountsVisibleTo(v), "its complaints"); err != nil {
					return err
				}
				return privacy.Allow
			case m.Op().Is(gen.OpUpdateOne):
				id, _ := m.ID()
				if err := mayHandleComplaint(ctx, m.Client(), v, id); err != nil {
					return err
				}
				return privacy.Allow
			}
			return apierr.Forbiddenf("complaints are changed one at a time")
		})},
	}
}

// mayHandleComplaint: a supervisor, the person it was escalated to, or
// anyone who handles complaints and reads it, takes a step on a complaint.
func mayHandleComplaint(ctx context.Context, c *gen.Client, v *viewer.Viewer, id pulid.ID) error {
	q := c.Complaint.Query().Where(complaint.ID(id))
	seen, err := q.Clone().Exist(ctx)
	switch {
	case err != nil:
		return err
	case !seen:
		return apierr.NotFoundf("complaint %q not found", id)
	case v.Can(authz.SuperviseService) || v.Can(authz.HandleComplaints):
		return nil
	}
	escalated, err := q.Where(complaint.EscalatedToID(v.UserID)).Exist(ctx)
	if err != nil || escalated {
		return err
	}
	return apierr.Forbiddenf("you may read this complaint but not handle it")
}

// complaintPartPolicy guards a complaint's steps and follow-ups: read with
// the complaint, written by whoever handles it, never changed.
func complaintPartPolicy() privacy.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
			p := complaintsOf(viewer.FromContext(ctx))
			if p == nil {
				return privacy.Skip
			}
			cf, ok := f.(interface {
				WhereHasComplaintWith(...predicate.Complaint)
			})
			if !ok {
				return privacy.Denyf("%T has no complaint", f)
			}
			cf.WhereHasComplaintWith(p)
			return privacy.Skip
		}), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
			c, ok := m.(interface{ Client() *gen.Client })
			if !ok || !m.Op().Is(ent.OpCreate) {
				return apierr.Forbiddenf("a complaint's steps and follow-ups are never changed")
			}
			id, _ := m.Field(complaintstep.FieldComplaintID) // complaintfollowup's too
			cid, _ := id.(pulid.ID)
			if err := mayHandleComplaint(ctx, c.Client(), viewer.FromContext(ctx), cid); err != nil {
				return err
			}
			return privacy.Allow
		})},
	}
}

func caseStudyPolicy() privacy.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{privacy.CaseStudyMutationRuleFunc(func(ctx context.Context, m *gen.CaseStudyMutation) error {
			if !m.Op().Is(gen.OpCreate) {
				return apierr.Forbiddenf("a case study is never changed")
			}
			id, _ := m.ComplaintID()
			v := viewer.FromContext(ctx)
			if err := mayHandleComplaint(ctx, m.Client(), v, id); err != nil {
				return err
			}
			if !v.Can(authz.SuperviseService) { // the library is the whole organisation's
				return apierr.Forbiddenf("only a service supervisor adds a complaint to the case library")
			}
			return privacy.Allow
		})},
	}
}

func creditRequestPolicy() privacy.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.CreditRequestQueryRuleFunc(func(ctx context.Context, q *gen.CreditRequestQuery) error {
			if p := creditRequestsOf(viewer.FromContext(ctx)); p != nil {
				q.Where(p)
			}
			return privacy.Allow
		})},
		Mutation: privacy.MutationPolicy{privacy.CreditRequestMutationRuleFunc(func(ctx context.Context, m *gen.CreditRequestMutation) error {
			v := viewer.FromContext(ctx)
			if m.Op().Is(gen.OpCreate) {
				if err := needs(ctx, authz.RequestCreditChanges, "only the account's manager, a sales manager or an admin requests a credit change"); err != privacy.Allow {
					return err
				}
				id, _ := m.AccountID()
				if err := accountWritable(ctx, m.Client(), id, accountsEditableBy(v), "its credit terms"); err != nil {
					return err
				}
				return privacy.Allow
			}
			// Its status moves with the decisions (CreditDecision's policy).
			if onlyFields(m, creditrequest.FieldStatus, creditrequest.FieldDecidedAt) && m.Op().Is(gen.OpUpdateOne) &&
				slices.ContainsFunc(creditCapabilities, v.Can) {
				return privacy.Allow
			}
			return apierr.Forbiddenf("a credit request changes only by its decisions")
		})},
	}
}

// creditCapabilities are the capabilities of the steps, in step order.
var creditCapabilities = []authz.Capability{authz.ApproveCredit, authz.CheckCredit, authz.SignCredit}

// CreditStepCapability is the capability that decides step.
func CreditStepCapability(step service.CreditStep) authz.Capability {
	return creditCapabilities[slices.Index(service.CreditSteps, step)]
}

func creditDecisionPolicy() privacy.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.CreditDecisionQueryRuleFunc(func(ctx context.Context, q *gen.CreditDecisionQuery) error {
			if p := creditRequestsOf(viewer.FromContext(ctx)); p != nil {
				q.Where(creditdecision.HasRequestWith(p))
			}
			return privacy.Allow
		})},
		Mutation: privacy.MutationPolicy{privacy.CreditDecisionMutationRuleFunc(func(ctx context.Context, m *gen.CreditDecisionMutation) error {
			step, ok := m.Step()
			if !m.Op().Is(gen.OpCreate) || !ok {
				return apierr.Forbiddenf("a credit decision is never changed")
			}
			v := viewer.FromContext(ctx)
			if !v.Can(CreditStepCapability(service.CreditStep(step))) {
				return apierr.Forbiddenf("the %s step is decided by a holder of that role", step)
			}
			if by, _ := m.DecidedByID(); by != v.UserID {
				return apierr.Forbiddenf("a decision is the decider's own")
			}
			// Each step is another pair of eyes: not the requester's, and
			// not someone's who decided an earlier step.
			req, _ := m.RequestID()
			own, err := m.Client().CreditRequest.Query().Where(creditrequest.ID(req), creditrequest.RequestedByID(v.UserID)).Exist(ctx)
			if err != nil {
				return err
			}
			if own {
				return apierr.Forbiddenf("a credit request is decided by others than its requester")
			}
			again, err := m.Client().CreditDecision.Query().Where(creditdecision.RequestID(req), creditdecision.DecidedByID(v.UserID)).Exist(ctx)
			if err != nil {
				return err
			}
			if again {
				return apierr.Forbiddenf("each step of a credit request is decided by someone else")
			}
			return privacy.Allow
		})},
	}
}

// serviceAccountChange lets the service workflows change an account:
// applying an approved credit change; a rep recording that they contacted
// the account manager; taking an account over for follow-up. Any other
// change is privacy.Skip (the account rules decide), and so is a credit
// field changed outside an approval, which is refused here.
func serviceAccountChange(ctx context.Context, v *viewer.Viewer, m *gen.AccountMutation) error {
	if v.IsSystem() {
		return privacy.Skip
	}
	_, limit := m.CreditLimit()
	_, term := m.PaymentTermDays()
	credit := limit || term || m.CreditLimitCleared() || m.PaymentTermDaysCleared()
	_, handover := m.ServiceHandoverAt()
	_, takeOver := m.ServiceTakenOverAt()
	switch {
	case credit && !service.CreditApproval(ctx):
		return apierr.Forbiddenf("credit limit and payment term change only through an approved credit request (requestCreditChange)")
	case credit && onlyFields(m, account.FieldCreditLimit, account.FieldPaymentTermDays) && v.Can(authz.SignCredit):
		return privacy.Allow // CreditDecision's policy let v sign
	case handover && onlyFields(m, account.FieldServiceHandoverAt) && v.Can(authz.RecordCallbacks):
		return scoped(ctx, m, account.ServiceRepID(v.UserID), "only the account's service rep records their handover")
	case takeOver && onlyFields(m, account.FieldServiceTakenOverAt, account.FieldServiceRepID) && v.Can(authz.SuperviseService):
		return scoped(ctx, m, AccountsVisibleTo(v), "you may not take this account over")
	case handover || takeOver || m.ServiceHandoverAtCleared() || m.ServiceTakenOverAtCleared():
		return apierr.Forbiddenf("the service handover and take-over are recorded by the service department (recordServiceHandover, takeOverAccount)")
	}
	return privacy.Skip
}

// scoped allows m on the accounts p matches: NOT_FOUND for one v cannot
// see, FORBIDDEN (why) for one they see outside p.
func scoped(ctx context.Context, m *gen.AccountMutation, p predicate.Account, why string) error {
	if p == nil {
		return privacy.Allow
	}
	if id, ok := m.ID(); ok && m.Op().Is(gen.OpUpdateOne) {
		if err := accountWritable(ctx, m.Client(), id, p, why); err != nil {
			if e, ok := apierr.As(err); ok && e.Code == apierr.Forbidden {
				return apierr.Forbiddenf("%s", why)
			}
			return err
		}
	}
	m.Where(p)
	return privacy.Allow
}

// visibleButNot answers NOT_FOUND when seen reports no row, FORBIDDEN (why)
// when allowed reports none.
func visibleButNot(ctx context.Context, seen, allowed func(context.Context) (bool, error), what string, id pulid.ID, why string) error {
	if ok, err := seen(ctx); err != nil || !ok {
		if err == nil {
			err = apierr.NotFoundf("%s %q not found", what, id)
		}
		return err
	}
	if ok, err := allowed(ctx); err != nil || !ok {
		if err == nil {
			err = apierr.Forbiddenf("%s", why)
		}
		return err
	}
	return nil
}

// needs allows when v holds c, and is FORBIDDEN (why) otherwise.
func needs(ctx context.Context, c authz.Capability, why string) error {
	if viewer.FromContext(ctx).Can(c) {
		return privacy.Allow
	}
	return apierr.Forbiddenf("%s", why)
}

// onlyFields reports whether m sets or clears nothing but the given fields
// (and what the system stamps on every write).
func onlyFields(m ent.Mutation, fields ...string) bool {
	for _, f := range append(m.Fields(), m.ClearedFields()...) {
		if !slices.Contains(fields, f) && f != "updated_at" && f != "organization_id" {
			return false
		}
	}
	return true
}
