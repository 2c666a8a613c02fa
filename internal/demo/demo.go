// Package demo loads a demonstration organisation into a Rapport database: a
// consulting firm with its departments, a staff holding every role, 200
// client accounts and their contacts. The data are fictitious and the same on
// every run (a fixed random seed), so documentation examples stay true.
//
// Sales regions: the east team (华东组) owns the accounts of 华东 and 华南,
// the north team (华北组) those of 华北 and 西南, dealt out in turn among the
// team's account managers.
package demo

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"rapport/ent"
	"rapport/ent/account"
	"rapport/ent/organization"
	"rapport/ent/privacy"
	_ "rapport/ent/runtime" // hooks, policies and defaults of the data model
	"rapport/ent/user"
	"rapport/internal/auth"
	"rapport/internal/pulid"
	"rapport/internal/viewer"
)

// TimeZone is the demo organisation's time zone.
const TimeZone = "Asia/Shanghai"

// batchSize is the number of rows written by one INSERT.
const batchSize = 100

// Result names the demo users for whom the server prints ready-made tokens.
type Result struct {
	OrgID   pulid.ID
	Created bool // false when the organisation already existed (then nothing is written)
	// The users to print tokens for: the administrator, the east sales
	// manager and the first of that manager's account managers.
	Admin, SalesManager, AccountManager User
	Accounts                            int // how many accounts exist in the org after seeding
}

// User is a demo user: the subject and roles to put in their token.
type User struct {
	Subject, Name string
	Roles         []auth.Role
}

// Seed loads the demo organisation (slug, name, time zone Asia/Shanghai) into
// client, unless an organisation with that slug exists already. It is
// deterministic: the same data every time. All writes happen in one
// transaction, so a failure leaves nothing behind.
func Seed(ctx context.Context, client *ent.Client, slug, name string) (*Result, error) {
	ctx = privacy.DecisionContext(ctx, privacy.Allow) // system code: we set organisation IDs ourselves
	tx, err := client.Tx(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	res, err := seed(ctx, tx.Client(), slug, name)
	if err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			err = errors.Join(err, fmt.Errorf("rollback: %w", rerr))
		}
		if errors.Is(err, errRace) {
			// Another process created the organisation meanwhile.
			return existing(ctx, client, slug)
		}
		return nil, fmt.Errorf("demo: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("demo: commit: %w", err)
	}
	return res, nil
}

var errRace = errors.New("organisation created concurrently")

// seed writes the organisation through c, a transactional client.
func seed(ctx context.Context, c *ent.Client, slug, name string) (*Result, error) {
	if ok, err := c.Organization.Query().Where(organization.Slug(slug)).Exist(ctx); err != nil {
		return nil, err
	} else if ok {
		return existing(ctx, c, slug)
	}

	org, err := c.Organization.Create().SetSlug(slug).SetName(name).SetTimezone(TimeZone).Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, fmt.Errorf("%w: %w", errRace, err)
	}
	if err != nil {
		return nil, fmt.Errorf("organisation: %w", err)
	}

	loc, err := time.LoadLocation(org.Timezone)
	if err != nil {
		return nil, err
	}
	// The organisation's system viewer: derived columns (due dates) are
	// computed in its time zone.
	ctx = viewer.NewContext(ctx, viewer.NewSystem(org.ID, loc))

	depts, err := createDepartments(ctx, c, org.ID)
	if err != nil {
		return nil, err
	}
	users, err := createUsers(ctx, c, org.ID, depts)
	if err != nil {
		return nil, err
	}

	plans := plan()
	accountIDs := make([]pulid.ID, 0, len(plans))
	now := time.Now()
	for batch := range chunks(plans) {
		builders := make([]*ent.AccountCreate, len(batch))
		for i, a := range batch {
			// The rep was assigned when the contract was signed (or in
			// spring for prospects) and met the account manager two days
			// later; those new to service were assigned days ago.
			assigned, handover := date(2026, 3, 2), ptr(date(2026, 3, 4))
			if a.contractSignedAt != nil {
				assigned, handover = *a.contractSignedAt, ptr(a.contractSignedAt.AddDate(0, 0, 2))
			}
			if a.newToService {
				assigned, handover = now.AddDate(0, 0, -(2+len(a.name)%5)), nil
			}
			created := now
			if a.quiet {
				created = now.AddDate(0, -4, 0)
			}
			builders[i] = c.Account.Create().
				SetOrganizationID(org.ID).
				SetName(a.name).
				SetIndustry(a.industry).
				SetRegion(a.region).
				SetAddress(a.address).
				SetPhone(a.phone).
				SetNillableFax(nonEmpty(a.fax)).
				SetEmail(a.email).
				SetWebsite(a.website).
				SetBusinessScope(a.scope).
				SetMainProducts(a.products).
				SetNillableIndustryPosition(nonEmpty(a.position)).
				SetCompanySize(a.size).
				SetSource(a.source).
				SetLifecycleStage(a.stage).
				SetCooperationIntent(a.intent).
				SetTier(a.tier).
				SetOwnerID(users[a.owner]).
				SetServiceRepID(users[a.rep]).
				SetNillableCreditLimit(a.creditLimit).
				SetNillablePaymentTermDays(a.paymentTerms).
				SetNillableContractSignedAt(a.contractSignedAt).
				SetNillableLastOrderAt(a.lastOrderAt).
				SetCreatedAt(created).
				SetMember(a.member).
				SetOutstandingBalance(a.balance).
				SetServiceAssignedAt(assigned).
				SetNillableServiceHandoverAt(handover)
		}
		created, err := c.Account.CreateBulk(builders...).Save(ctx)
		if err != nil {
			return nil, fmt.Errorf("accounts: %w", err)
		}
		for _, a := range created {
			accountIDs = append(accountIDs, a.ID)
		}
	}

	type contactRow struct {
		account pulid.ID
		contactPlan
	}
	var contacts []contactRow
	for i, a := range plans {
		for _, cp := range a.contacts {
			contacts = append(contacts, contactRow{accountIDs[i], cp})
		}
	}
	for batch := range chunks(contacts) {
		builders := make([]*ent.ContactCreate, len(batch))
		for i, cp := range batch {
			builders[i] = c.Contact.Create().
				SetOrganizationID(org.ID).
				SetAccountID(cp.account).
				SetName(cp.name).
				SetTitle(cp.title).
				SetMobile(cp.mobile).
				SetNillableDirectLine(nonEmpty(cp.directLine)).
				SetEmail(cp.email).
				SetNillableWechat(nonEmpty(cp.wechat)).
				SetIsDecisionMaker(cp.decisionMaker)
		}
		if err := c.Contact.CreateBulk(builders...).Exec(ctx); err != nil {
			return nil, fmt.Errorf("contacts: %w", err)
		}
	}

	if err := history(ctx, c, org.ID, loc, time.Now()); err != nil {
		return nil, err
	}
	if err := seedCulture(ctx, c, org.ID, users, depts, loc, time.Now()); err != nil {
		return nil, err
	}
	if err := bulletins(ctx, c, org.ID, users, depts, loc, time.Now()); err != nil {
		return nil, err
	}
	if err := serviceDesk(ctx, c, org.ID, users, depts, loc, time.Now()); err != nil {
		return nil, err
	}
	if err := archiveDocs(ctx, c, org.ID, users, loc, time.Now()); err != nil {
		return nil, err
	}

	n, err := c.Account.Query().Where(account.OrganizationID(org.ID)).Count(ctx)
	if err != nil {
		return nil, err
	}
	return &Result{
		OrgID:          org.ID,
		Created:        true,
		Admin:          specUser(subjectAdmin),
		SalesManager:   specUser(subjectSalesManager),
		AccountManager: specUser(subjectAccountManager),
		Accounts:       n,
	}, nil
}

// createDepartments writes the department tree, parents first, and returns
// the departments' IDs by key.
func createDepartments(ctx context.Context, c *ent.Client, org pulid.ID) (map[string]pulid.ID, error) {
	ids := map[string]pulid.ID{}
	err := inLevels(departments,
		func(d deptSpec) string { return d.parent },
		func(d deptSpec) string { return d.key },
		ids,
		func(level []deptSpec) ([]pulid.ID, error) {
			builders := make([]*ent.DepartmentCreate, len(level))
			for i, d := range level {
				builders[i] = c.Department.Create().SetOrganizationID(org).SetName(d.name)
				if d.parent != "" {
					builders[i].SetParentID(ids[d.parent])
				}
			}
			created, err := c.Department.CreateBulk(builders...).Save(ctx)
			if err != nil {
				return nil, fmt.Errorf("departments: %w", err)
			}
			out := make([]pulid.ID, len(created))
			for i, d := range created {
				out[i] = d.ID
			}
			return out, nil
		})
	return ids, err
}

// createUsers writes the staff, managers before their reports, and returns
// the users' IDs by subject.
func createUsers(ctx context.Context, c *ent.Client, org pulid.ID, depts map[string]pulid.ID) (map[string]pulid.ID, error) {
	ids := map[string]pulid.ID{}
	err := inLevels(staff,
		func(u userSpec) string { return u.manager },
		func(u userSpec) string { return u.subject },
		ids,
		func(level []userSpec) ([]pulid.ID, error) {
			builders := make([]*ent.UserCreate, len(level))
			for i, u := range level {
				builders[i] = c.User.Create().
					SetOrganizationID(org).
					SetSubject(u.subject).
					SetName(u.name).
					SetEmail(u.email + "@" + emailDomain).
					SetRoles(auth.RoleNames(rolesOf(u))).
					SetDepartmentID(depts[u.dept])
				if u.manager != "" {
					builders[i].SetManagerID(ids[u.manager])
				}
			}
			created, err := c.User.CreateBulk(builders...).Save(ctx)
			if err != nil {
				return nil, fmt.Errorf("users: %w", err)
			}
			out := make([]pulid.ID, len(created))
			for i, u := range created {
				out[i] = u.ID
			}
			return out, nil
		})
	return ids, err
}

// inLevels creates items level by level: first those without a parent, then
// those whose parent exists, and so on. create returns the new IDs in order;
// they are recorded in ids under key(item).
func inLevels[T any](items []T, parent, key func(T) string, ids map[string]pulid.ID, create func([]T) ([]pulid.ID, error)) error {
	for len(items) > 0 {
		var level, rest []T
		for _, it := range items {
			if p := parent(it); p == "" || ids[p] != "" {
				level = append(level, it)
			} else {
				rest = append(rest, it)
			}
		}
		if len(level) == 0 {
			return fmt.Errorf("demo data: %q has a missing or cyclic parent %q", key(rest[0]), parent(rest[0]))
		}
		created, err := create(level)
		if err != nil {
			return err
		}
		for i, it := range level {
			ids[key(it)] = created[i]
		}
		items = rest
	}
	return nil
}

// nonEmpty returns nil for "", so that an optional column stays NULL.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// chunks yields s in slices of at most batchSize elements.
func chunks[T any](s []T) iter.Seq[[]T] {
	return func(yield func([]T) bool) {
		for len(s) > 0 {
			n := min(batchSize, len(s))
			if !yield(s[:n]) {
				return
			}
			s = s[n:]
		}
	}
}

// existing describes the organisation slug as it is, writing nothing.
func existing(ctx context.Context, c *ent.Client, slug string) (*Result, error) {
	org, err := c.Organization.Query().Where(organization.Slug(slug)).Only(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	n, err := c.Account.Query().Where(account.OrganizationID(org.ID)).Count(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	res := &Result{
		OrgID:          org.ID,
		Accounts:       n,
		Admin:          specUser(subjectAdmin),
		SalesManager:   specUser(subjectSalesManager),
		AccountManager: specUser(subjectAccountManager),
	}
	// Prefer what the database says, should the organisation have been
	// seeded by another version of this package or changed since.
	users, err := c.User.Query().
		Where(user.OrganizationID(org.ID), user.SubjectIn(subjectAdmin, subjectSalesManager, subjectAccountManager)).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	for _, u := range users {
		du := User{Subject: u.Subject, Name: u.Name}
		for _, r := range u.Roles {
			if role, err := auth.ParseRole(r); err == nil {
				du.Roles = append(du.Roles, role)
			}
		}
		if len(du.Roles) == 0 {
			continue
		}
		switch u.Subject {
		case subjectAdmin:
			res.Admin = du
		case subjectSalesManager:
			res.SalesManager = du
		case subjectAccountManager:
			res.AccountManager = du
		}
	}
	return res, nil
}

// rolesOf returns the roles of u: the main role and EMPLOYEE.
func rolesOf(u userSpec) []auth.Role {
	if u.role == auth.RoleEmployee {
		return []auth.Role{auth.RoleEmployee}
	}
	return []auth.Role{u.role, auth.RoleEmployee}
}

// specUser returns the demo user with the given subject as this package defines it.
func specUser(subject string) User {
	for _, u := range staff {
		if u.subject == subject {
			return User{Subject: u.subject, Name: u.name, Roles: rolesOf(u)}
		}
	}
	panic("demo: no user " + subject)
}
