package api_test

import (
	"fmt"
	"slices"
	"testing"

	"rapport/ent"
)

// scopedFixture creates and changes a row of an account-scoped type over the
// API. Every type in ent.AccountScopedTypes needs one: adding a type to the
// AccountScoped mixin adds it to the role matrix below.
type scopedFixture struct {
	create func(u *user, account string) *result // the new row's ID at path "id"
	update func(u *user, id string) *result
	id     string // path of the new row's ID in create's result
}

var scopedFixtures = map[string]scopedFixture{
	"Contact": {
		create: func(u *user, account string) *result {
			return u.do(`mutation($a: ID!) { createContact(input: {accountID: $a, name: "矩阵 Matrix"}) { id } }`, map[string]any{"a": account})
		},
		update: func(u *user, id string) *result {
			return u.do(`mutation($id: ID!) { updateContact(id: $id, input: {title: "经理"}) { id } }`, map[string]any{"id": id})
		},
		id: "createContact.id",
	},
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
		rows := make([]string, len(accounts))
		for i, a := range accounts {
			rows[i] = fx.create(w.admin, a).ok(t).str(t, fx.id)
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
				t.Run(name+"/create", func(t *testing.T) {
					expect(t, fx.create(u, a), want, canRead)
				})
				t.Run(name+"/update", func(t *testing.T) {
					expect(t, fx.update(u, rows[i]), want, canRead)
				})
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
