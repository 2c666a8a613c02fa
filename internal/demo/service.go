package demo

import (
	"context"
	"fmt"
	"time"

	"rapport/ent"
	"rapport/ent/account"
	"rapport/ent/callback"
	"rapport/ent/complaint"
	"rapport/ent/creditdecision"
	"rapport/ent/creditrequest"
	"rapport/internal/followup"
	"rapport/internal/pulid"
	"rapport/internal/service"
	"rapport/internal/serviceops"
)

// serviceDesk gives the demo organisation a working service desk:
// department heads (major complaints escalate to them), a member
// callback batch started yesterday and half done with
// resolved, open and escalated issues, complaints in every state with
// their steps and follow-ups, a case study, and credit requests (one
// waiting for finance, one rejected).
func serviceDesk(ctx context.Context, c *ent.Client, org pulid.ID, users, depts map[string]pulid.ID, loc *time.Location, now time.Time) error {
	for dept, head := range map[string]string{"east": "sales.east", "north": "sales.north", "service": "service.lead", "office": "gm"} {
		if err := c.Department.UpdateOneID(depts[dept]).SetHeadID(users[head]).Exec(ctx); err != nil {
			return fmt.Errorf("department head: %w", err)
		}
	}
	if err := callbacks(ctx, c, org, users, now); err != nil {
		return err
	}
	if err := complaints(ctx, c, org, users, now); err != nil {
		return err
	}
	return creditRequests(ctx, c, org, users, now)
}

// callbacks starts the winter member callbacks yesterday: spread over the
// three reps, due within three days inside working hours; three in five
// are recorded.
func callbacks(ctx context.Context, c *ent.Client, org pulid.ID, users map[string]pulid.ID, now time.Time) error {
	members, err := c.Account.Query().Where(account.OrganizationID(org), account.Member(true)).
		Order(ent.Asc(account.FieldName)).Limit(45).All(ctx)
	if err != nil {
		return err
	}
	reps := []string{string(users["rep.1"]), string(users["rep.2"]), string(users["rep.3"])}
	order, err := service.Spread(len(members), reps, nil)
	if err != nil {
		return err
	}
	_, cal, err := followup.PolicyFor(ctx, c, org)
	if err != nil {
		return err
	}
	started := now.Add(-26 * time.Hour)
	due, err := service.Hours{Windows: service.DefaultWindows, Calendar: cal}.CallbackDue(started)
	if err != nil {
		return err
	}
	batch, err := c.CallbackBatch.Create().SetOrganizationID(org).SetTitle("2026 年冬季会员客户回访").
		SetDueAt(due).SetCreatedByID(users["service.lead"]).SetCreatedAt(started).Save(ctx)
	if err != nil {
		return fmt.Errorf("callback batch: %w", err)
	}
	suggestions := []string{"希望增加线上培训课程", "报告交付可以再提前几天", "", "对项目经理的服务很满意", "建议每季度做一次回顾"}
	issues := []struct {
		summary          string
		raised, resolved time.Duration // before now; resolved 0: open
	}{
		{"发票抬头写错，需要重开", 5 * time.Hour, 4*time.Hour + 30*time.Minute}, // resolved in time
		{"上次培训资料未收到", 3 * time.Hour, 0},                              // escalated: open for hours
		{"希望调整下次咨询的时间", 20 * time.Minute, 0},                         // open, within the hour
		{"项目周报格式不统一", 7 * time.Hour, 4 * time.Hour},                  // resolved late: escalated
	}
	next := 0
	for i, a := range members {
		cb := c.Callback.Create().SetOrganizationID(org).SetBatchID(batch.ID).SetAccountID(a.ID).
			SetAssigneeID(pulid.ID(order[i])).SetMember(true).SetDueAt(due).SetCreatedAt(started)
		if i%5 < 3 {
			reached := started.Add(time.Duration(i+1) * 15 * time.Minute)
			cb.SetStatus(callback.StatusCOMPLETED).SetReachedAt(reached).SetCompletedAt(reached.Add(5 * time.Minute)).
				SetSatisfaction(3 + i%3).SetSuggestions(suggestions[i%len(suggestions)])
		}
		saved, err := cb.Save(ctx)
		if err != nil {
			return fmt.Errorf("callback: %w", err)
		}
		if saved.Status != callback.StatusCOMPLETED || next >= len(issues) || i%4 != 0 {
			continue
		}
		is := issues[next]
		next++
		raised := now.Add(-is.raised)
		create := c.ServiceIssue.Create().SetOrganizationID(org).SetCallbackID(saved.ID).SetAccountID(a.ID).
			SetSummary(is.summary).SetCreatedAt(raised).SetDueAt(raised.Add(service.EscalateAfter))
		if is.resolved > 0 {
			create.SetResolvedAt(now.Add(-is.resolved)).SetResolution("已处理并回复客户").SetResolvedByID(users["service.lead"])
		}
		if err := create.Exec(ctx); err != nil {
			return fmt.Errorf("service issue: %w", err)
		}
	}
	return nil
}

// complaints files seven complaints over the last weeks, one in each
// state: open, open past its promise, major (escalated), resolved on time
// with an unsatisfied follow-up, resolved late, closed (satisfied, with a
// case study) and resolved on the spot.
func complaints(ctx context.Context, c *ent.Client, org pulid.ID, users map[string]pulid.ID, now time.Time) error {
	accounts, err := c.Account.Query().Where(account.OrganizationID(org), account.LifecycleStageEQ(account.LifecycleStageACTIVE)).
		Order(ent.Asc(account.FieldName)).Limit(7).All(ctx)
	if err != nil {
		return err
	}
	day := 24 * time.Hour
	for i, p := range []struct {
		summary, category string
		severity          complaint.Severity
		filed, promised   time.Duration // before now (promised: negative is ahead)
		resolved          time.Duration // before now; 0: open
		spot              bool
		steps             []string
		followUps         []bool
		lesson            string
	}{
		{"客户反映：咨询报告中引用的行业数据已过时，要求更新", "报告质量", complaint.SeverityMINOR, 2 * day, -day, 0, false, []string{"已联系项目组核实数据来源"}, nil, ""},
		{"客户反映：约定的现场培训两次改期，影响了内部安排", "服务安排", complaint.SeverityMINOR, 4 * day, day, 0, false, []string{"已致电客户道歉", "正在协调讲师时间"}, nil, ""},
		{"客户投诉：项目顾问频繁更换，关键资料交接不全", "项目管理", complaint.SeverityMAJOR, 3 * time.Hour, -2 * day, 0, false, nil, nil, ""},
		{"客户反映：发票金额与合同不一致", "财务结算", complaint.SeverityMINOR, 10 * day, 8 * day, 9 * day, false, []string{"财务已核对合同", "已重开发票并快递"}, []bool{false}, ""},
		{"客户投诉：方案交付比约定晚了一周", "交付进度", complaint.SeverityMAJOR, 20 * day, 18 * day, 15 * day, false, []string{"项目经理上门说明原因"}, nil, ""},
		{"客户反映：培训现场投影设备故障，影响效果", "服务安排", complaint.SeverityMINOR, 30 * day, 28 * day, 29 * day, false, []string{"已安排补课"}, []bool{true},
			"培训前一天由专人检查场地设备，并准备备用投影仪；补课安排要在投诉当天确认。"},
		{"客户询问：合同附件缺少盖章页", "合同", complaint.SeverityMINOR, 6 * day, 0, 6 * day, true, nil, nil, ""},
	} {
		a := accounts[i%len(accounts)]
		filed := now.Add(-p.filed)
		create := c.Complaint.Create().SetOrganizationID(org).SetNumber(i + 1).SetAccountID(a.ID).SetFiledByID(users["rep.1"]).
			SetSummary(p.summary).SetCategory(p.category).SetSeverity(p.severity).SetCreatedAt(filed).SetResolvedOnSpot(p.spot)
		if !p.spot {
			create.SetPromisedReplyAt(now.Add(-p.promised).UTC())
		}
		if p.severity != complaint.SeverityMINOR {
			to, err := serviceops.EscalationOf(ctx, c, a.ID)
			if err != nil {
				return err
			}
			create.SetNillableEscalatedToID(to)
		}
		if p.resolved > 0 {
			resolved := now.Add(-p.resolved)
			create.SetStatus(complaint.StatusRESOLVED).SetResolvedAt(resolved).SetResolution("已与客户沟通并落实整改").
				SetRepliedLate(!p.spot && resolved.After(now.Add(-p.promised)))
			for _, satisfied := range p.followUps {
				if satisfied {
					create.SetStatus(complaint.StatusCLOSED)
				}
			}
		}
		cp, err := create.Save(ctx)
		if err != nil {
			return fmt.Errorf("complaint: %w", err)
		}
		for j, note := range p.steps {
			if err := c.ComplaintStep.Create().SetOrganizationID(org).SetComplaintID(cp.ID).SetNote(note).
				SetAuthorID(users["rep.1"]).SetCreatedAt(filed.Add(time.Duration(j+1) * time.Hour)).Exec(ctx); err != nil {
				return fmt.Errorf("complaint step: %w", err)
			}
		}
		for j, satisfied := range p.followUps {
			if err := c.ComplaintFollowUp.Create().SetOrganizationID(org).SetComplaintID(cp.ID).SetSatisfied(satisfied).
				SetNote("回访客户满意度").SetAuthorID(users["rep.2"]).SetCreatedAt(now.Add(-p.resolved).Add(time.Duration(j+1) * day)).Exec(ctx); err != nil {
				return fmt.Errorf("complaint follow-up: %w", err)
			}
		}
		if p.lesson != "" {
			if err := c.CaseStudy.Create().SetOrganizationID(org).SetComplaintID(cp.ID).SetCategory(p.category).
				SetTitle(fmt.Sprintf("%s — complaint %d", p.category, cp.Number)).SetLesson(p.lesson).
				SetAuthorID(users["service.lead"]).Exec(ctx); err != nil {
				return fmt.Errorf("case study: %w", err)
			}
		}
	}
	return nil
}

// creditRequests: a request the sales manager approved, waiting for finance; and
// one the sales manager rejected.
func creditRequests(ctx context.Context, c *ent.Client, org pulid.ID, users map[string]pulid.ID, now time.Time) error {
	accounts, err := c.Account.Query().Where(account.OrganizationID(org), account.OwnerID(users["am.east.1"]),
		account.LifecycleStageEQ(account.LifecycleStageACTIVE), account.CreditLimitNotNil()).
		Order(ent.Asc(account.FieldName)).Limit(2).All(ctx)
	if err != nil || len(accounts) < 2 {
		return fmt.Errorf("credit: %d accounts: %w", len(accounts), err)
	}
	for i, a := range accounts {
		status := []creditrequest.Status{creditrequest.StatusPENDING, creditrequest.StatusREJECTED}[i]
		r := c.CreditRequest.Create().SetOrganizationID(org).SetAccountID(a.ID).SetRequestedByID(users["am.east.1"]).
			SetNillableOldCreditLimit(a.CreditLimit).SetNewCreditLimit(*a.CreditLimit * 3 / 2).
			SetNillableOldPaymentTermDays(a.PaymentTermDays).SetNewPaymentTermDays(60).
			SetReason([]string{"客户年度采购额增长 40%，申请提高授信额度并延长账期", "客户申请延长账期"}[i]).
			SetStatus(status).SetCreatedAt(now.Add(-time.Duration(3+i*10) * 24 * time.Hour))
		if status != creditrequest.StatusPENDING {
			r.SetDecidedAt(now.Add(-time.Duration(2+i*10) * 24 * time.Hour))
		}
		req, err := r.Save(ctx)
		if err != nil {
			return fmt.Errorf("credit request: %w", err)
		}
		err = c.CreditDecision.Create().SetOrganizationID(org).SetRequestID(req.ID).SetStep(creditdecision.StepSALES_MANAGER).
			SetApproved(status == creditrequest.StatusPENDING).SetNote([]string{"同意，客户回款记录良好", "该客户近期回款偏慢，暂不同意"}[i]).
			SetDecidedByID(users["sales.east"]).SetDecidedAt(now.Add(-time.Duration(2+i*10) * 24 * time.Hour)).Exec(ctx)
		if err != nil {
			return fmt.Errorf("credit decision: %w", err)
		}
	}
	return nil
}
