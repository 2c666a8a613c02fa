package api_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"rapport/ent"
)

// scopedFixture makes and changes rows of an account-scoped type over the
// API. Every type in ent.AccountScopedTypes needs one: adding a type to the
// AccountScoped mixin adds it to the role matrix below.
type scopedFixture struct {
	seed   func(w *world, account string) string // a row under account, made by the admin
	create func(u *user, account string) *result // nil: only a workflow makes rows
	update func(u *user, id string) *result      // nil: rows are never changed
	// writeNeeds overrides what the mixin says writing needs, for a type
	// whose own policy asks more (intelligence: its owner, or an editor;
	// nobody here is an intelligence owner).
	writeNeeds string
}

var scopedFixtures = map[string]scopedFixture{
	"Contact": {
		seed: func(w *world, account string) string {
			return w.admin.do(`mutation($a: ID!) { createContact(input: {accountID: $a, name: "矩阵 Matrix"}) { id } }`, map[string]any{"a": account}).ok(w.t).str(w.t, "createContact.id")
		},
		create: func(u *user, account string) *result {
			return u.do(`mutation($a: ID!) { createContact(input: {accountID: $a, name: "矩阵 Matrix"}) { id } }`, map[string]any{"a": account})
		},
		update: func(u *user, id string) *result {
			return u.do(`mutation($id: ID!) { updateContact(id: $id, input: {title: "经理"}) { id } }`, map[string]any{"id": id})
		},
	},
	"Interaction": {
		seed: func(w *world, account string) string {
			return logCall(w.admin, account).ok(w.t).str(w.t, "logInteraction.id")
		},
		create: logCall,
	},
	"VisitReport": {
		seed: func(w *world, account string) string {
			return fileReport(w.admin, account).ok(w.t).str(w.t, "fileVisitReport.id")
		},
		create: fileReport,
		update: func(u *user, id string) *result {
			return u.do(`mutation($id: ID!) { updateVisitReport(id: $id, input: {serviceEntryPoint: "培训"}) { id } }`, map[string]any{"id": id})
		},
	},
	"ClientDocument": {
		seed: func(w *world, account string) string {
			return uploadDocument(w.admin, account, "COMPANY_PROFILE", "简介.txt", []byte("公司简介")).ok(w.t).str(w.t, "uploadClientDocument.id")
		},
		create: func(u *user, account string) *result {
			return uploadDocument(u, account, "PRODUCT_BROCHURE", "brochure.txt", []byte("产品手册"))
		},
	},
	"IntelligenceItem": {
		seed: func(w *world, account string) string {
			return fileIntelligence(w.admin, account).ok(w.t).str(w.t, "fileIntelligence.id")
		},
		create:     fileIntelligence,
		writeNeeds: "EDIT",
	},
	"TierChange": {
		seed: func(w *world, account string) string {
			tier := "A"
			if w.admin.do(`query($a: ID!) { node(id: $a) { ... on Account { tier } } }`, map[string]any{"a": account}).ok(w.t).str(w.t, "node.tier") == "A" {
				tier = "B"
			}
			r := w.admin.do(`mutation($a: ID!, $t: AccountTier!) { changeAccountTier(id: $a, tier: $t, reason: "matrix") { tierChanges { id } } }`, map[string]any{"a": account, "t": tier})
			return r.ok(w.t).str(w.t, "changeAccountTier.tierChanges.0.id")
		},
	},
}

// fileReport logs a visit and files its report, as u.
func fileReport(u *user, account string) *result {
	r := u.do(`mutation($a: ID!, $at: Time!) { logInteraction(input: {accountID: $a, kind: VISIT, occurredAt: $at}) { id } }`,
		map[string]any{"a": account, "at": time.Now().Add(-time.Hour).Format(time.RFC3339)})
	if len(r.Errors) > 0 {
		return r
	}
	id, _ := r.Data["logInteraction"].(map[string]any)["id"].(string)
	return u.do(`mutation($i: ID!) { fileVisitReport(input: {interactionID: $i, needsAnalysis: "需求"}) { id } }`, map[string]any{"i": id})
}

func logCall(u *user, account string) *result {
	return u.do(`mutation($a: ID!, $at: Time!) { logInteraction(input: {accountID: $a, kind: PHONE, occurredAt: $at, summary: "矩阵"}) { id } }`,
		map[string]any{"a": account, "at": time.Now().Add(-time.Hour).Format(time.RFC3339)})
}

// Every account-scoped type is read and written exactly as its account is,
// for every role of the fixture world.
func TestAccountScopedTypesFollowTheirAccount(t *testing.T) {
	e := sqliteEnv(t)
	w := newWorld(t, e)
	// What each user may do to each account, by the capability table:
	// r = read, e = read and edit, - = nothing.
	access := map[*user]string{ // a1 a2 a3
		w.admin: "eee", w.exec: "rrr", w.sup: "rrr",
		w.sm1: "ee-", w.sm2: "--e", w.lead: "---",
		w.am1: "e--", w.am2: "-e-", w.am3: "--e",
		w.rep1: "r--", w.hr: "---", w.gadmin: "---",
	}
	accounts := []string{w.a1, w.a2, w.a3}
	var types []string
	for typ := range ent.AccountScopedTypes {
		types = append(types, typ)
	}
	slices.Sort(types)
	for _, typ := range types {
		fx, ok := scopedFixtures[typ]
		if !ok {
			t.Errorf("%s is account-scoped but has no fixture in scopedFixtures", typ)
			continue
		}
		writeNeeds := ent.AccountScopedTypes[typ] // EDIT or SEE
		if fx.writeNeeds != "" {
			writeNeeds = fx.writeNeeds
		}
		rows := make([]string, len(accounts))
		for i, a := range accounts {
			rows[i] = fx.seed(w, a)
		}
		for u, acc := range access {
			for i, a := range accounts {
				mode := acc[i]
				canRead := mode != '-'
				canWrite := mode == 'e' || (writeNeeds == "SEE" && canRead)
				want := "ok"
				switch {
				case canWrite:
				case canRead:
					want = "FORBIDDEN"
				default:
					want = "NOT_FOUND"
				}
				name := fmt.Sprintf("%s/%s/account %d", typ, u.id, i+1)
				t.Run(name+"/read", func(t *testing.T) {
					r := u.do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": rows[i]})
					if canRead {
						r.ok(t)
					} else {
						r.code(t, "NOT_FOUND")
					}
				})
				if fx.create != nil {
					t.Run(name+"/create", func(t *testing.T) {
						expect(t, fx.create(u, a), want, canRead)
					})
				}
				if fx.update != nil {
					t.Run(name+"/update", func(t *testing.T) {
						expect(t, fx.update(u, rows[i]), want, canRead)
					})
				}
			}
		}
	}
}

// expect checks a write: "ok", or its error code. A user without any right
// to change accounts gets FORBIDDEN for rows they cannot see either.
func expect(t *testing.T, r *result, want string, canRead bool) {
	t.Helper()
	if want == "ok" {
		r.ok(t)
		return
	}
	if len(r.Errors) == 0 {
		t.Fatalf("want %s, the write succeeded", want)
	}
	got := r.Errors[0].Extensions["code"]
	if got != want && !(want == "NOT_FOUND" && !canRead && got == "FORBIDDEN") {
		t.Fatalf("want %s, got %+v", want, r.Errors)
	}
}
