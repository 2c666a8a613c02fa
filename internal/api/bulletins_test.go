package api_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"rapport/internal/auth"
	"rapport/internal/testdb"
)

type bulletinWorld struct {
	editor, editor2, exec, corr, staff, other *user
	magazine                                  string
}

func newBulletinWorld(t *testing.T, e *env) *bulletinWorld {
	t.Helper()
	e.org("acme")
	e.org("globex")
	w := &bulletinWorld{
		editor:  e.as("acme", "editor", auth.RoleEditor),
		editor2: e.as("acme", "editor2", auth.RoleEditor),
		exec:    e.as("acme", "gm", auth.RoleExecutive),
		corr:    e.as("acme", "corr", auth.RoleCorrespondent),
		staff:   e.as("acme", "clerk", auth.RoleEmployee),
		other:   e.as("globex", "editor", auth.RoleEditor),
	}
	r := w.editor.op("bulletins.graphql", "CreatePublication", map[string]any{"input": map[string]any{
		"name": "《同心》季刊 House magazine", "audience": "STAFF", "cadence": "QUARTERLY", "windowStartDay": 10, "windowEndDay": 15}}).ok(t)
	w.magazine = r.str(t, "createPublication.id")
	return w
}

func (w *bulletinWorld) issue(t *testing.T, u *user, year int, special bool, title string) map[string]any {
	t.Helper()
	r := u.op("bulletins.graphql", "CreateBulletinIssue", map[string]any{"input": map[string]any{
		"publicationID": w.magazine, "year": year, "title": title, "special": special}}).ok(t)
	return r.get(t, "createBulletinIssue").(map[string]any)
}

func TestBulletinNumberingAndPlan(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newBulletinWorld(t, e)
		w.staff.op("bulletins.graphql", "CreatePublication", map[string]any{"input": map[string]any{"name": "x", "cadence": "MONTHLY"}}).code(t, "FORBIDDEN")
		w.editor.op("bulletins.graphql", "CreatePublication", map[string]any{"input": map[string]any{"name": "x", "cadence": "MONTHLY", "months": []int{13}}}).code(t, "BAD_USER_INPUT")
		w.editor.op("bulletins.graphql", "CreatePublication", map[string]any{"input": map[string]any{"name": "x", "cadence": "MONTHLY", "windowStartDay": 15, "windowEndDay": 10}}).code(t, "BAD_USER_INPUT")

		type num struct {
			number int
			total  any
		}
		got := []num{}
		for _, c := range []struct {
			year    int
			special bool
		}{{2026, false}, {2026, false}, {2026, true}, {2026, false}, {2027, false}, {2027, true}, {2027, true}} {
			is := w.issue(t, w.editor, c.year, c.special, fmt.Sprintf("%d", c.year))
			got = append(got, num{int(is["number"].(float64)), is["totalNumber"]})
		}
		want := []num{{1, 1.0}, {2, 2.0}, {1, nil}, {3, 3.0}, {1, 4.0}, {1, nil}, {2, nil}}
		if !slices.Equal(got, want) {
			t.Fatalf("numbers: %v, want %v", got, want)
		}
		w.staff.op("bulletins.graphql", "CreateBulletinIssue", map[string]any{"input": map[string]any{"publicationID": w.magazine, "year": 2026, "title": "x"}}).code(t, "FORBIDDEN")
		w.other.op("bulletins.graphql", "CreateBulletinIssue", map[string]any{"input": map[string]any{"publicationID": w.magazine, "year": 2026, "title": "x"}}).code(t, "NOT_FOUND")

		plan := func(year int) []any {
			return w.editor.op("bulletins.graphql", "IssuePlan", map[string]any{"publicationID": w.magazine, "year": year}).ok(t).list(t, "issuePlan")
		}
		p26 := plan(2026)
		if len(p26) != 4 {
			t.Fatalf("2026 plan: %v", p26)
		}
		first := p26[0].(map[string]any)
		if first["windowStart"] != "2026-01-09T16:00:00Z" || first["windowEnd"] != "2026-01-15T16:00:00Z" || first["issue"] == nil {
			t.Fatalf("January 2026 (10th to the end of the 15th, Shanghai): %v", first)
		}
		if p26[3].(map[string]any)["issue"] != nil {
			t.Fatalf("October 2026 has no issue yet: %v", p26[3])
		}
		r := w.editor.do(`query($p: ID!) { issuePlan(publicationID: $p, year: 2026) { number late } }`, map[string]any{"p": w.magazine}).ok(t)
		for _, s := range r.list(t, "issuePlan") {
			if s.(map[string]any)["late"] != true { // every 2026 window has passed, nothing published
				t.Fatalf("2026 plan lateness: %v", r.list(t, "issuePlan"))
			}
		}
		r = w.editor.do(`query($p: ID!) { issuePlan(publicationID: $p, year: 2027) { number late } }`, map[string]any{"p": w.magazine}).ok(t)
		if r.list(t, "issuePlan")[0].(map[string]any)["late"] != false {
			t.Fatalf("2027 is not late yet: %v", r.list(t, "issuePlan"))
		}
		w.editor.do(`query($p: ID!) { issuePlan(publicationID: $p, year: 1900) { number } }`, map[string]any{"p": w.magazine}).code(t, "BAD_USER_INPUT")
	})
}

func TestBulletinWorkflow(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newBulletinWorld(t, e)
		id := w.issue(t, w.editor, 2027, false, "2027 年第 1 期 春")["id"].(string)
		advance := func(u *user, to string) *result {
			return u.op("bulletins.graphql", "AdvanceBulletinIssue", map[string]any{"id": id, "to": to})
		}
		submit := func(u *user, title string) *result {
			return u.op("bulletins.graphql", "SubmitArticle", map[string]any{"input": map[string]any{"issueID": id, "title": title, "body": "正文 " + title}})
		}
		submit(w.corr, "too early").code(t, "NOT_FOUND") // a planned issue is not open to correspondents
		advance(w.editor, "IN_REVIEW").code(t, "BAD_USER_INPUT")
		advance(w.corr, "EDITING").code(t, "NOT_FOUND")
		advance(w.editor, "EDITING").ok(t)
		accepted := submit(w.corr, "客户服务部的一天").ok(t)
		if accepted.str(t, "submitArticle.author.id") != w.corr.id || accepted.str(t, "submitArticle.status") != "SUBMITTED" {
			t.Fatalf("%v", accepted.Data)
		}
		rejected := submit(w.corr, "草稿").ok(t).str(t, "submitArticle.id")
		submit(w.staff, "x").code(t, "NOT_FOUND") // an employee sees no issue in editing
		review := func(u *user, article, d string) *result {
			return u.op("bulletins.graphql", "ReviewArticle", map[string]any{"id": article, "decision": d})
		}
		review(w.corr, accepted.str(t, "submitArticle.id"), "ACCEPT").code(t, "FORBIDDEN")
		review(w.editor, accepted.str(t, "submitArticle.id"), "ACCEPT").ok(t)
		review(w.editor, rejected, "REJECT").ok(t)
		advance(w.editor, "IN_REVIEW").ok(t)
		advance(w.editor, "APPROVED").code(t, "FORBIDDEN")
		advance(w.exec, "APPROVED").ok(t)
		review(w.editor, rejected, "ACCEPT").code(t, "BAD_USER_INPUT")
		r := advance(w.editor, "PUBLISHED").ok(t)
		if r.get(t, "advanceBulletinIssue.publishedAt") == nil {
			t.Fatalf("no publishedAt: %v", r.Data)
		}
		advance(w.editor, "PUBLISHED").code(t, "BAD_USER_INPUT")

		list := func(u *user) *result {
			return u.op("bulletins.graphql", "BulletinIssues", map[string]any{"publicationID": w.magazine})
		}
		staff := list(w.staff).ok(t)
		if staff.num(t, "bulletinIssues.totalCount") != 1 {
			t.Fatalf("the staff's issues: %v", staff.Data)
		}
		if arts := staff.list(t, "bulletinIssues.edges.0.node.articles"); len(arts) != 1 || arts[0].(map[string]any)["status"] != "ACCEPTED" {
			t.Fatalf("the staff read: %v", arts)
		}
		if arts := list(w.corr).ok(t).list(t, "bulletinIssues.edges.0.node.articles"); len(arts) != 2 {
			t.Fatalf("the correspondent sees their own submissions too: %v", arts)
		}
		w.issue(t, w.editor, 2027, false, "2027 年第 2 期 夏") // planned: the staff do not see it
		if n := list(w.staff).ok(t).num(t, "bulletinIssues.totalCount"); n != 1 {
			t.Fatalf("the staff see %d issues", n)
		}
		if n := list(w.other).ok(t).num(t, "bulletinIssues.totalCount"); n != 0 {
			t.Fatalf("another organisation sees %d issues", n)
		}
	})
}

// Eight editors create issues of one publication at once through two
// instances: the numbers run 1…8 with no repeat and no gap.
func TestIssueNumbersRace(t *testing.T) {
	url := testdb.PostgresURL(t)
	one := newEnv(t, url, auth.Config{Secret: testSecret})
	two := newEnv(t, url, auth.Config{Secret: testSecret})
	w := newBulletinWorld(t, one)
	editors := make([]*user, 8)
	for i := range editors {
		editors[i] = []*env{one, two}[i%2].as("acme", fmt.Sprintf("ed%d", i), auth.RoleEditor)
	}
	numbers := make([]int, len(editors))
	totals := make([]int, len(editors))
	var wg sync.WaitGroup
	for i, ed := range editors {
		wg.Go(func() {
			r := ed.op("bulletins.graphql", "CreateBulletinIssue", map[string]any{"input": map[string]any{"publicationID": w.magazine, "year": 2027, "title": fmt.Sprintf("#%d", i)}})
			if len(r.Errors) > 0 {
				t.Errorf("editor %d: %v", i, r.Errors)
				return
			}
			is := r.Data["createBulletinIssue"].(map[string]any)
			numbers[i], totals[i] = int(is["number"].(float64)), int(is["totalNumber"].(float64))
		})
	}
	wg.Wait()
	slices.Sort(numbers)
	slices.Sort(totals)
	for i := range numbers {
		if numbers[i] != i+1 || totals[i] != i+1 {
			t.Fatalf("numbers %v, totals %v: want 1…8 each", numbers, totals)
		}
	}
}

// A CLIENTS newsletter goes to the contacts (with e-mail) of the accounts
// of its tiers that the asker may see; the alerts list late and upcoming
// issues across publications; the editor orders the accepted articles.
func TestBulletinDistributionAlertsAndOrder(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newBulletinWorld(t, e)
		admin := e.as("acme", "admin", auth.RoleAdmin)
		am := e.as("acme", "am", auth.RoleAccountManager)
		mk := func(u *user, name, tier, email string) {
			id := u.do(`mutation($n: String!, $t: AccountTier!) { createAccount(input: {name: $n, tier: $t}) { id } }`, map[string]any{"n": name, "t": tier}).ok(t).str(t, "createAccount.id")
			u.do(`mutation($a: ID!, $e: String) { createContact(input: {accountID: $a, name: "联系人", email: $e}) { id } }`, map[string]any{"a": id, "e": email}).ok(t)
		}
		mk(am, "甲方 A", "A", "a@example.cn")
		mk(am, "乙方 B", "B", "b@example.cn")
		mk(admin, "丙方 A", "A", "c@example.cn")
		mk(am, "丁方 A", "A", "")
		r := w.editor.op("bulletins.graphql", "CreatePublication", map[string]any{"input": map[string]any{
			"name": "行业政策简报 Policy brief", "audience": "CLIENTS", "tiers": []string{"A"}, "cadence": "MONTHLY", "windowStartDay": 1, "windowEndDay": 5}}).ok(t)
		brief := r.str(t, "createPublication.id")
		issue := w.editor.op("bulletins.graphql", "CreateBulletinIssue", map[string]any{"input": map[string]any{"publicationID": brief, "year": 2027, "title": "2027-1"}}).ok(t).str(t, "createBulletinIssue.id")
		for _, step := range []struct {
			who *user
			to  string
		}{{w.editor, "EDITING"}, {w.editor, "IN_REVIEW"}, {w.exec, "APPROVED"}, {w.editor, "PUBLISHED"}} {
			step.who.op("bulletins.graphql", "AdvanceBulletinIssue", map[string]any{"id": issue, "to": step.to}).ok(t)
		}
		const dist = `query($i: ID!) { distributionList(issueID: $i) { email account { name tier } } }`
		emails := func(u *user) []string {
			var out []string
			for _, c := range u.do(dist, map[string]any{"i": issue}).ok(t).list(t, "distributionList") {
				out = append(out, c.(map[string]any)["email"].(string))
			}
			slices.Sort(out)
			return out
		}
		if got := emails(admin); !slices.Equal(got, []string{"a@example.cn", "c@example.cn"}) {
			t.Fatalf("the admin's list: %v", got)
		}
		if got := emails(am); !slices.Equal(got, []string{"a@example.cn"}) {
			t.Fatalf("an account manager's list (their accounts only): %v", got)
		}
		w.staff.do(dist, map[string]any{"i": issue}).code(t, "NOT_FOUND") // a clients' newsletter is for those who read accounts
		w.editor.do(dist, map[string]any{"i": w.issue(t, w.editor, 2027, false, "staff")["id"]}).code(t, "BAD_USER_INPUT")
		if got := emails(w.editor); len(got) != 0 {
			t.Fatalf("an editor, who reads no account, gets contacts: %v", got)
		}

		w.editor.do(`{ issueAlerts(withinDays: 400) { number } }`, nil).code(t, "BAD_USER_INPUT")
		r = w.editor.do(`{ issueAlerts(withinDays: 60) { publication { id } year number late windowStart issue { id } } }`, nil).ok(t)
		lateSeen, prev := false, ""
		for _, a := range r.list(t, "issueAlerts") {
			a := a.(map[string]any)
			if s := a["windowStart"].(string); s < prev {
				t.Fatalf("alerts not earliest first: %v", r.Data)
			} else {
				prev = s
			}
			lateSeen = lateSeen || a["late"] == true
		}
		if !lateSeen {
			t.Fatalf("no late issue among the alerts (every window of last year passed unpublished): %v", r.Data)
		}

		// Ordering the accepted articles.
		id := w.issue(t, w.editor, 2027, false, "ordered")["id"].(string)
		w.editor.op("bulletins.graphql", "AdvanceBulletinIssue", map[string]any{"id": id, "to": "EDITING"}).ok(t)
		var arts []string
		for _, title := range []string{"一", "二", "三"} {
			a := w.corr.op("bulletins.graphql", "SubmitArticle", map[string]any{"input": map[string]any{"issueID": id, "title": title, "body": title}}).ok(t).str(t, "submitArticle.id")
			w.editor.op("bulletins.graphql", "ReviewArticle", map[string]any{"id": a, "decision": "ACCEPT"}).ok(t)
			arts = append(arts, a)
		}
		const order = `mutation($i: ID!, $a: [ID!]!) { orderArticles(issueID: $i, articleIDs: $a) { id position } }`
		w.editor.do(order, map[string]any{"i": id, "a": arts[:2]}).code(t, "BAD_USER_INPUT")
		w.corr.do(order, map[string]any{"i": id, "a": []string{arts[2], arts[0], arts[1]}}).code(t, "FORBIDDEN")
		got := w.editor.do(order, map[string]any{"i": id, "a": []string{arts[2], arts[0], arts[1]}}).ok(t).list(t, "orderArticles")
		if got[0].(map[string]any)["id"] != arts[2] || got[0].(map[string]any)["position"] != float64(1) {
			t.Fatalf("order: %v", got)
		}
		// Readers get the articles in the editor's order, in a page of issues too.
		for _, step := range []struct {
			who *user
			to  string
		}{{w.editor, "IN_REVIEW"}, {w.exec, "APPROVED"}, {w.editor, "PUBLISHED"}} {
			step.who.op("bulletins.graphql", "AdvanceBulletinIssue", map[string]any{"id": id, "to": step.to}).ok(t)
		}
		for _, q := range []string{
			`query($id: ID!) { node(id: $id) { ... on BulletinIssue { articles { id } } } }`,
			`query($id: ID!) { bulletinIssues(first: 10, where: {id: $id}) { edges { node { articles { id } } } } }`,
		} {
			r = w.staff.do(q, map[string]any{"id": id}).ok(t)
			path := "node.articles"
			if _, ok := r.Data["bulletinIssues"]; ok {
				path = "bulletinIssues.edges.0.node.articles"
			}
			var read []string
			for _, a := range r.list(t, path) {
				read = append(read, a.(map[string]any)["id"].(string))
			}
			if want := []string{arts[2], arts[0], arts[1]}; !slices.Equal(read, want) {
				t.Fatalf("the staff read %v, want %v", read, want)
			}
		}
	})
}

// A correspondent submits for their own department: by default, and never
// for another one; an editor files for any.
func TestCorrespondentsWriteForTheirDepartment(t *testing.T) {
	e := sqliteEnv(t)
	w := newBulletinWorld(t, e)
	admin := e.as("acme", "admin", auth.RoleAdmin)
	dept := func(name string) string {
		return admin.do(`mutation($n: String!) { createDepartment(input: {name: $n}) { id } }`, map[string]any{"n": name}).ok(t).str(t, "createDepartment.id")
	}
	mine, theirs := dept("财务部"), dept("市场部")
	admin.do(`mutation($id: ID!, $d: ID!) { updateUser(id: $id, input: {departmentID: $d}) { id } }`, map[string]any{"id": w.corr.id, "d": mine}).ok(t)
	id := w.issue(t, w.editor, 2027, false, "2027 年第 1 期")["id"].(string)
	w.editor.op("bulletins.graphql", "AdvanceBulletinIssue", map[string]any{"id": id, "to": "EDITING"}).ok(t)
	submit := `mutation($in: SubmitArticleInput!) { submitArticle(input: $in) { id department { id } } }`
	in := func(dept any) map[string]any {
		return map[string]any{"in": map[string]any{"issueID": id, "title": "稿件", "body": "正文", "departmentID": dept}}
	}
	w.corr.do(submit, in(theirs)).code(t, "FORBIDDEN")
	if r := w.corr.do(submit, in(nil)).ok(t); r.str(t, "submitArticle.department.id") != mine {
		t.Fatalf("a correspondent's article files under %v", r.get(t, "submitArticle.department"))
	}
	w.corr.do(submit, in(mine)).ok(t)
	w.editor.do(submit, in(theirs)).ok(t)
}
