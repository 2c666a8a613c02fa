package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/ent/article"
	"rapport/ent/bulletinissue"
	"rapport/ent/organization"
	"rapport/ent/publication"
	"rapport/internal/api"
	"rapport/internal/archive"
	"rapport/internal/auth"
	"rapport/internal/testdb"
)

// upload sends a GraphQL multipart request (the specification's
// operations, map and file parts) with one file for variables.input.file.
func (u *user) upload(query string, vars map[string]any, filename string, data []byte) *result {
	u.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	ops, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	_ = mw.WriteField("operations", string(ops))
	_ = mw.WriteField("map", `{"0": ["variables.input.file"]}`)
	fw, _ := mw.CreateFormFile("0", filename)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, u.e.url+"/graphql", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+u.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		u.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := &result{Status: resp.StatusCode}
	if err := json.Unmarshal(raw, r); err != nil {
		u.e.t.Fatalf("response is not JSON (%d): %s", resp.StatusCode, raw)
	}
	return r
}

const uploadMutation = `mutation($input: UploadClientDocumentInput!) { uploadClientDocument(input: $input) { id serialNumber category title contentType size downloadURL } }`

func uploadDocument(u *user, account, category, filename string, data []byte) *result {
	return u.upload(uploadMutation, map[string]any{"input": map[string]any{"accountID": account, "category": category, "title": filename, "file": nil}}, filename, data)
}

func fileIntelligence(u *user, account string) *result {
	return u.op("archive.graphql", "FileIntelligence", map[string]any{"input": map[string]any{"accountID": account,
		"headline": "客户拟在苏州新建生产基地", "source": "《中国工业报》", "summary": "计划投资 5 亿元，明年投产。", "entryPoint": "新工厂的管理体系咨询"}})
}

// The contract's upload, as a multipart request.
func uploadOp(u *user, account, category, title, filename string, data []byte) *result {
	return u.upload(contractQuery(u.e.t, "archive.graphql", "UploadClientDocument"),
		map[string]any{"input": map[string]any{"accountID": account, "category": category, "title": title, "file": nil}}, filename, data)
}

// get fetches a download URL (or path) with an optional bearer token.
func (e *env) get(t *testing.T, url, token string) (*http.Response, []byte) {
	t.Helper()
	if strings.HasPrefix(url, "/") {
		url = e.url + url
	}
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func TestClientDocuments(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		ctx := sys(t.Context())
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 100)...)
		r := uploadOp(w.am1, w.a1, "COMPANY_PROFILE", "公司简介 2026", "简介.pdf", png).ok(t)
		year := time.Now().In(shanghai).Year()
		d := r.Data["uploadClientDocument"].(map[string]any)
		if d["serialNumber"] != fmt.Sprintf("KH-%d-000001", year) || d["contentType"] != "image/png" || d["size"].(float64) != float64(len(png)) || d["category"] != "COMPANY_PROFILE" {
			t.Fatalf("uploaded: %v", d)
		}
		id := d["id"].(string)
		// The signed URL works without a token, for ten minutes, for the viewer.
		resp, body := e.get(t, d["downloadURL"].(string), "")
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, png) || resp.Header.Get("Content-Type") != "image/png" ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment; filename*=utf-8''%E7%AE%80%E4%BB%8B.pdf") {
			t.Fatalf("download: %d %q %q %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"), len(body))
		}
		tampered := strings.Replace(d["downloadURL"].(string), "exp=", "exp=9", 1)
		if resp, _ := e.get(t, tampered, ""); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("a tampered URL: %d", resp.StatusCode)
		}
		// With a bearer token: whoever sees the account; anyone else 404.
		if resp, body := e.get(t, "/documents/"+id, w.sm1.token); resp.StatusCode != http.StatusOK || !bytes.Equal(body, png) {
			t.Fatalf("the sales manager's download: %d", resp.StatusCode)
		}
		for _, u := range []*user{w.am2, w.hr, w.gadmin} {
			if resp, _ := e.get(t, "/documents/"+id, u.token); resp.StatusCode != http.StatusNotFound {
				t.Fatalf("%s downloads another's document: %d", u.id, resp.StatusCode)
			}
			u.do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}).code(t, "NOT_FOUND")
		}
		if resp, _ := e.get(t, "/documents/"+id, ""); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("no token, no signature: %d", resp.StatusCode)
		}
		// A URL signed for am2 (who cannot see it) is refused too.
		r = w.am2.do(`query($id: ID!) { node(id: $id) { ... on ClientDocument { downloadURL } } }`, map[string]any{"id": id})
		r.code(t, "NOT_FOUND")

		// Serial numbers follow; the list is the contract's.
		uploadOp(w.am1, w.a1, "PRODUCT_BROCHURE", "产品手册", "brochure.txt", []byte("产品手册：管理咨询服务")).ok(t)
		r = w.sm1.op("archive.graphql", "ClientDocuments", map[string]any{"accountID": w.a1}).ok(t)
		if r.num(t, "clientDocuments.totalCount") != 2 || r.str(t, "clientDocuments.edges.1.node.serialNumber") != fmt.Sprintf("KH-%d-000002", year) ||
			r.str(t, "clientDocuments.edges.0.node.uploadedBy.id") != w.am1.id {
			t.Fatalf("documents: %v", r.Data)
		}
		// Refused uploads store nothing.
		before := e.client.DocumentContent.Query().CountX(ctx)
		uploadOp(w.am2, w.a1, "OTHER", "x", "x.txt", []byte("x")).code(t, "NOT_FOUND")
		uploadOp(w.am1, w.a1, "OTHER", "x", "x.txt", nil).code(t, "BAD_USER_INPUT")
		uploadOp(w.am1, w.a1, "NOT_A_CATEGORY", "x", "x.txt", []byte("x")).code(t, "BAD_USER_INPUT")
		big := bytes.Repeat([]byte("a"), archive.MaxBytes+1)
		r = uploadOp(w.am1, w.a1, "OTHER", "big", "big.txt", big).code(t, "BAD_USER_INPUT")
		if !strings.Contains(r.Errors[0].Message, "20 MiB") {
			t.Fatalf("the size limit: %s", r.Errors[0].Message)
		}
		r = uploadOp(w.am1, w.a1, "OTHER", "huge", "huge.txt", bytes.Repeat([]byte("a"), api.MaxUploadBodyBytes+1)).code(t, "BAD_USER_INPUT")
		if r.Status != http.StatusRequestEntityTooLarge {
			t.Fatalf("a body past the upload limit: %d", r.Status)
		}
		if after := e.client.DocumentContent.Query().CountX(ctx); after != before || e.client.ClientDocument.Query().CountX(ctx) != 2 {
			t.Fatalf("refused uploads stored %d contents", after-before)
		}
		// A multipart request that does not follow the specification.
		r = w.am1.upload(uploadMutation, map[string]any{"input": map[string]any{"accountID": w.a1, "category": "OTHER", "title": "x", "file": "not null"}}, "x.txt", []byte("x"))
		r.code(t, "BAD_USER_INPUT")
	})
}

// Serial numbers are the organisation's, without gaps, whatever instance
// files the documents at the same moment.
func TestDocumentSerialsRace(t *testing.T) {
	url := testdb.PostgresURL(t)
	one := newEnv(t, url, auth.Config{Secret: testSecret})
	two := newEnv(t, url, auth.Config{Secret: testSecret})
	w := newWorld(t, one)
	ams := []*user{one.as("acme", "am1", auth.RoleAccountManager), two.as("acme", "am1", auth.RoleAccountManager)}
	serials := make([]string, 8)
	var wg sync.WaitGroup
	for i := range serials {
		wg.Go(func() {
			r := uploadOp(ams[i%2], w.a1, "REPORT", fmt.Sprintf("报告 %d", i), "r.txt", []byte(fmt.Sprintf("报告 %d", i)))
			if len(r.Errors) > 0 {
				t.Errorf("upload %d: %v", i, r.Errors)
				return
			}
			serials[i] = r.Data["uploadClientDocument"].(map[string]any)["serialNumber"].(string)
		})
	}
	wg.Wait()
	slices.Sort(serials)
	year := time.Now().In(shanghai).Year()
	for i, s := range serials {
		if s != fmt.Sprintf("KH-%d-%06d", year, i+1) {
			t.Fatalf("serials %v", serials)
		}
	}
}

func TestIntelligenceAndArchiveDeadline(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		setOwner := func(u *user, a, owner string) *result {
			return u.do(`mutation($id: ID!, $o: ID!) { updateAccount(id: $id, input: {intelligenceOwnerID: $o}) { intelligenceOwner { id } } }`, map[string]any{"id": a, "o": owner})
		}
		setOwner(w.am1, w.a1, w.sup.id).code(t, "FORBIDDEN")
		setOwner(w.sm1, w.a1, w.am2.id).code(t, "BAD_USER_INPUT") // am2 does not read a1
		setOwner(w.sm1, w.a1, w.sup.id).ok(t)
		// The intelligence owner and the account manager file; others may not.
		fileIntelligence(w.sup, w.a1).ok(t)
		fileIntelligence(w.rep1, w.a1).code(t, "FORBIDDEN")
		fileIntelligence(w.am2, w.a1).code(t, "NOT_FOUND")
		r := w.am1.op("archive.graphql", "FileIntelligence", map[string]any{"input": map[string]any{"accountID": w.a1,
			"headline": "客户获评省级专精特新企业", "source": "公司官网", "summary": "……", "entryPoint": "申报辅导"}}).ok(t)
		if r.str(t, "fileIntelligence.author.id") != w.am1.id || r.str(t, "fileIntelligence.entryPoint") != "申报辅导" {
			t.Fatalf("filed: %v", r.Data)
		}
		fileIntelligence(w.am1, w.a1).ok(t)
		w.am1.op("archive.graphql", "FileIntelligence", map[string]any{"input": map[string]any{"accountID": w.a1,
			"headline": "", "source": "x", "summary": "x", "entryPoint": "x"}}).code(t, "BAD_USER_INPUT")
		r = w.am1.do(`query($id: ID!) { node(id: $id) { ... on Account { intelligence { totalCount edges { node { headline createdAt } } } } } }`, map[string]any{"id": w.a1}).ok(t)
		items := r.list(t, "node.intelligence.edges")
		if len(items) != 3 || items[1].(map[string]any)["node"].(map[string]any)["headline"] != "客户获评省级专精特新企业" ||
			items[0].(map[string]any)["node"].(map[string]any)["createdAt"].(string) < items[2].(map[string]any)["node"].(map[string]any)["createdAt"].(string) {
			t.Fatalf("intelligence, newest first: %v", items)
		}

		// The archive deadline: a1 signed five days ago lacks facts; a2 signed
		// yesterday is not due yet.
		sign := func(a string, ago time.Duration) {
			w.admin.do(`mutation($id: ID!, $at: Time!) { updateAccount(id: $id, input: {contractSignedAt: $at}) { id } }`, map[string]any{"id": a, "at": time.Now().Add(-ago).UTC().Format(time.RFC3339)}).ok(t)
		}
		sign(w.a1, 5*24*time.Hour)
		sign(w.a2, 24*time.Hour)
		r = w.sm1.op("archive.graphql", "IncompleteArchives", nil).ok(t)
		if r.num(t, "incompleteArchives.totalCount") != 1 || r.str(t, "incompleteArchives.edges.0.node.account.id") != w.a1 {
			t.Fatalf("incomplete: %v", r.Data)
		}
		missing := r.list(t, "incompleteArchives.edges.0.node.missing")
		if fmt.Sprint(missing) != "[INDUSTRY ADDRESS PHONE BUSINESS_SCOPE COMPANY_PROFILE]" {
			t.Fatalf("a1 lacks %v", missing)
		}
		due, _ := time.Parse(time.RFC3339, r.str(t, "incompleteArchives.edges.0.node.dueAt"))
		if d := time.Until(due); d > -47*time.Hour || d < -49*time.Hour {
			t.Fatalf("due %v: three days after the signature", due)
		}
		if n := w.am2.op("archive.graphql", "IncompleteArchives", nil).ok(t).num(t, "incompleteArchives.totalCount"); n != 0 {
			t.Fatalf("am2 sees %d gaps of others' accounts", n)
		}
		w.am1.do(`mutation($id: ID!) { updateAccount(id: $id, input: {industry: "机械制造", address: "上海市浦东新区张江路 88 号", phone: "021-5080 1234", businessScope: "数控机床研发、生产"}) { id } }`, map[string]any{"id": w.a1}).ok(t)
		r = w.am1.op("archive.graphql", "IncompleteArchives", nil).ok(t)
		if fmt.Sprint(r.list(t, "incompleteArchives.edges.0.node.missing")) != "[COMPANY_PROFILE]" {
			t.Fatalf("after the facts: %v", r.Data)
		}
		uploadOp(w.am1, w.a1, "COMPANY_PROFILE", "公司简介", "profile.txt", []byte("公司简介")).ok(t)
		if n := w.am1.op("archive.graphql", "IncompleteArchives", nil).ok(t).num(t, "incompleteArchives.totalCount"); n != 0 {
			t.Fatalf("a complete archive is listed (%d)", n)
		}
	})
}

// searchFor returns the IDs search finds for u (the contract's operation),
// checking totalCount against the edges of a page that holds them all.
func searchFor(t *testing.T, u *user, q string) []string {
	t.Helper()
	r := u.op("archive.graphql", "Search", map[string]any{"q": q, "first": 50}).ok(t)
	var ids []string
	for _, ed := range r.list(t, "search.edges") {
		ids = append(ids, ed.(map[string]any)["node"].(map[string]any)["id"].(string))
	}
	if n := r.num(t, "search.totalCount"); n != len(ids) {
		t.Fatalf("search %q: totalCount %d, %d edges", q, n, len(ids))
	}
	return ids
}

func TestSearch(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		ctx := sys(t.Context())
		hd := w.am1.do(createAccount, map[string]any{"input": map[string]any{"name": "上海华东精密机械有限公司", "tier": "A",
			"phone": "021-5080 1234", "email": "sales@hdjm.cn", "industry": "机械制造 矩阵行业"}}).ok(t).str(t, "createAccount.id")
		short := w.am1.do(createAccount, map[string]any{"input": map[string]any{"name": "华东精密", "tier": "C"}}).ok(t).str(t, "createAccount.id")
		w.am1.do(`mutation($a: ID!) { createContact(input: {accountID: $a, name: "李华东", mobile: "138 1234 5678", email: "li.huadong@hdjm.cn"}) { id } }`, map[string]any{"a": hd}).ok(t)
		for _, a := range []string{w.a1, w.a2, w.a3} { // every account holds 矩阵行 somewhere
			w.admin.do(`mutation($id: ID!) { updateAccount(id: $id, input: {industry: "矩阵行业"}) { id } }`, map[string]any{"id": a}).ok(t)
		}
		doc := uploadOp(w.am1, hd, "COMPANY_PROFILE", "华东精密公司简介", "profile.txt", []byte("简介")).ok(t).str(t, "uploadClientDocument.id")

		// Chinese substrings, best match first (the shorter name or title), in every type.
		got := searchFor(t, w.am1, "华东精密")
		if len(got) != 3 || got[0] != short || got[1] != doc || got[2] != hd {
			t.Fatalf("华东精密: %v (want %s, %s, %s)", got, short, doc, hd)
		}
		// Phone numbers with or without separators, e-mail addresses.
		for _, q := range []string{"02150801234", "021-5080-1234", "5080 1234", "sales@hdjm", "HDJM.CN"} {
			if got := searchFor(t, w.am1, q); !slices.Contains(got, hd) {
				t.Errorf("%q does not find the account: %v", q, got)
			}
		}
		if got := searchFor(t, w.am1, "13812345678"); len(got) != 1 {
			t.Errorf("a contact's mobile without spaces: %v", got)
		}
		// Two characters: the start of names.
		if got := searchFor(t, w.am1, "张伟"); !slices.Equal(got, []string{w.c1}) {
			t.Errorf("张伟: %v, want the contact %s", got, w.c1)
		}
		// Published articles; not one in an issue being edited.
		org := e.client.Organization.Query().Where(organization.Slug("acme")).OnlyX(ctx)
		pub := e.client.Publication.Create().SetOrganizationID(org.ID).SetName("《同心》").SetCadence(publication.CadenceMONTHLY).SaveX(ctx)
		published := e.client.BulletinIssue.Create().SetOrganizationID(org.ID).SetPublicationID(pub.ID).SetYear(2026).SetNumber(1).
			SetTitle("第 1 期").SetStatus(bulletinissue.StatusPUBLISHED).SetPublishedAt(time.Now().Add(-time.Hour)).SaveX(ctx)
		editing := e.client.BulletinIssue.Create().SetOrganizationID(org.ID).SetPublicationID(pub.ID).SetYear(2026).SetNumber(2).
			SetTitle("第 2 期").SetStatus(bulletinissue.StatusEDITING).SaveX(ctx)
		story := e.client.Article.Create().SetOrganizationID(org.ID).SetIssueID(published.ID).SetTitle("回访电话里的温度").
			SetBody("客服专员每天完成回访。").SetStatus(article.StatusACCEPTED).SaveX(ctx)
		e.client.Article.Create().SetOrganizationID(org.ID).SetIssueID(editing.ID).SetTitle("回访电话里的温度（草稿）").
			SetBody("草稿").SetStatus(article.StatusACCEPTED).ExecX(ctx)
		if got := searchFor(t, w.hr, "回访电话"); !slices.Equal(got, []string{string(story.ID)}) {
			t.Errorf("articles: %v, want the published %s", got, story.ID)
		}
		// Privacy, for every role: search finds what node(id:) opens, and no more.
		for _, u := range []*user{w.admin, w.exec, w.sup, w.sm1, w.sm2, w.lead, w.am1, w.am2, w.am3, w.rep1, w.hr, w.gadmin, w.gam} {
			got := searchFor(t, u, "矩阵行")
			visible := w.visible(t, u)
			want := 0
			for id := range visible {
				if id != short && id != w.g1 {
					want++
				}
			}
			if len(got) != want {
				t.Errorf("%s: search finds %d accounts, sees %d", u.id, len(got), want)
			}
			for _, id := range append(got, searchFor(t, u, "华东")...) {
				u.do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}).ok(t)
			}
		}
		if got := searchFor(t, w.am2, "华东精密"); len(got) != 0 {
			t.Errorf("am2 finds another's account: %v", got)
		}
		// Bad input.
		w.am1.op("archive.graphql", "Search", map[string]any{"q": "华"}).code(t, "BAD_USER_INPUT")
		w.am1.op("archive.graphql", "Search", map[string]any{"q": strings.Repeat("华", 101)}).code(t, "BAD_USER_INPUT")
		w.am1.op("archive.graphql", "Search", map[string]any{"q": "华东精密", "first": 51}).code(t, "BAD_USER_INPUT")
		// The statements do not grow with the results.
		count := func(first int) int64 {
			before := e.stmts.Load()
			r := w.admin.op("archive.graphql", "Search", map[string]any{"q": "华东精", "first": first}).ok(t)
			if n := len(r.list(t, "search.edges")); n != min(first, 3) {
				t.Fatalf("华东精, first %d: %d results", first, n)
			}
			return e.stmts.Load() - before
		}
		if one, all := count(1), count(50); one != all {
			t.Errorf("search: %d statements for 1 result, %d for 3", one, all)
		}
	})
}

// A contact who left is archived: out of the lists and search, still in
// the history; never deleted.
func TestContactArchive(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		met := w.am1.do(`mutation($a: ID!, $c: ID!, $at: Time!) { logInteraction(input: {accountID: $a, kind: VISIT, occurredAt: $at, contactIDs: [$c]}) { id } }`,
			map[string]any{"a": w.a1, "c": w.c1, "at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)}).ok(t).str(t, "logInteraction.id")
		archive := func(u *user) *result {
			return u.do(`mutation($id: ID!) { archiveContact(id: $id) { id archivedAt } }`, map[string]any{"id": w.c1})
		}
		archive(w.am2).code(t, "NOT_FOUND")
		archive(w.rep1).code(t, "FORBIDDEN")
		if r := archive(w.am1).ok(t); r.get(t, "archiveContact.archivedAt") == nil {
			t.Fatalf("archived: %v", r.Data)
		}
		archive(w.am1).code(t, "CONFLICT")
		lists := func() (account, listed, archived, found int) {
			r := w.am1.do(`query($a: ID!) { node(id: $a) { ... on Account { contacts { id } } }
				contacts { totalCount } archived: contacts(where: {archivedAtNotNil: true}) { totalCount } }`, map[string]any{"a": w.a1}).ok(t)
			return len(r.list(t, "node.contacts")), r.num(t, "contacts.totalCount"), r.num(t, "archived.totalCount"), len(searchFor(t, w.am1, "张伟"))
		}
		if a, l, ar, f := lists(); a != 0 || l != 0 || ar != 1 || f != 0 {
			t.Fatalf("after archiving: account %d, list %d, archived %d, search %d", a, l, ar, f)
		}
		// Still in the history.
		w.am1.do(`query($id: ID!) { node(id: $id) { ... on Contact { name archivedAt } } }`, map[string]any{"id": w.c1}).ok(t)
		r := w.am1.do(`query($id: ID!) { node(id: $id) { ... on Interaction { contacts { id } } } }`, map[string]any{"id": met}).ok(t)
		if r.str(t, "node.contacts.0.id") != w.c1 {
			t.Fatalf("the visit lost its contact: %v", r.Data)
		}
		w.am1.do(`mutation($id: ID!) { restoreContact(id: $id) { archivedAt } }`, map[string]any{"id": w.c1}).ok(t)
		w.am1.do(`mutation($id: ID!) { restoreContact(id: $id) { archivedAt } }`, map[string]any{"id": w.c1}).code(t, "CONFLICT")
		if a, l, ar, f := lists(); a != 1 || l != 1 || ar != 0 || f != 1 {
			t.Fatalf("after restoring: account %d, list %d, archived %d, search %d", a, l, ar, f)
		}
	})
}
