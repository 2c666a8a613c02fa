package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"rapport/internal/api"
	"rapport/internal/archive"
	"rapport/internal/auth"
)

// multipartBody is a GraphQL multipart request of the given operations and
// map parts and one file part "0".
func multipartBody(ops, paths string, file []byte) (string, *bytes.Buffer) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("operations", ops)
	_ = mw.WriteField("map", paths)
	fw, _ := mw.CreateFormFile("0", "f.txt")
	_, _ = fw.Write(file)
	_ = mw.Close()
	return mw.FormDataContentType(), &body
}

// A multipart request is an upload's, not a way around the body limit: its
// operations and map parts are held to the limit of a JSON request, one
// file fills one variable (never many uploads of one part), and a request
// without a valid token takes no upload slot: it is refused before its
// body is read.
func TestUploadRequestsAreBounded(t *testing.T) {
	e := sqliteEnv(t)
	w := newWorld(t, e)
	ops := func(pad int) string {
		b, _ := json.Marshal(map[string]any{"query": uploadMutation, "variables": map[string]any{
			"input": map[string]any{"accountID": w.a1, "category": "OTHER", "title": "x", "file": nil}, "pad": strings.Repeat("x", pad)}})
		return string(b)
	}
	before := e.client.DocumentContent.Query().CountX(sys(t.Context()))
	ct, body := multipartBody(ops(api.DefaultMaxBodyBytes), `{"0": ["variables.input.file"]}`, []byte("x"))
	e.raw("POST", "/graphql", ct, body, bearer(w.am1.token)).coded(t, http.StatusRequestEntityTooLarge, "BAD_USER_INPUT")

	twice := `mutation($a: UploadClientDocumentInput!, $b: UploadClientDocumentInput!) { a: uploadClientDocument(input: $a) { id } b: uploadClientDocument(input: $b) { id } }`
	in := map[string]any{"accountID": w.a1, "category": "OTHER", "title": "x", "file": nil}
	doc, _ := json.Marshal(map[string]any{"query": twice, "variables": map[string]any{"a": in, "b": in}})
	ct, body = multipartBody(string(doc), `{"0": ["variables.a.file", "variables.b.file"]}`, []byte("once"))
	e.raw("POST", "/graphql", ct, body, bearer(w.am1.token)).coded(t, http.StatusBadRequest, "BAD_USER_INPUT")
	if after := e.client.DocumentContent.Query().CountX(sys(t.Context())); after != before {
		t.Fatalf("refused uploads stored %d contents", after-before)
	}
	// The same file once still uploads.
	ct, body = multipartBody(ops(0), `{"0": ["variables.input.file"]}`, []byte("once"))
	if r := e.raw("POST", "/graphql", ct, body, bearer(w.am1.token)); r.status != http.StatusOK || !strings.Contains(string(r.body), `"uploadClientDocument":{"id"`) {
		t.Fatalf("an upload: %d %s", r.status, r.body)
	}

	// No token, a body that never ends: 401 at once.
	pending, send := io.Pipe()
	defer send.Close()
	go func() {
		_, _ = send.Write([]byte("--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{"))
	}()
	answered := make(chan *raw, 1)
	go func() {
		answered <- e.raw("POST", "/graphql", "multipart/form-data; boundary=x", pending, "Authorization: Bearer forged")
	}()
	select {
	case r := <-answered:
		r.coded(t, http.StatusUnauthorized, "UNAUTHENTICATED")
	case <-time.After(5 * time.Second):
		t.Fatal("an upload without a valid token holds a slot while its body trickles in")
	}
}

// Downloads through a signed URL are charged to the user it was signed
// for, like those with a bearer token; a page of signed URLs reads the
// signing secret once.
func TestSignedDownloadsAreLimitedAndCheap(t *testing.T) {
	e := newEnvWith(t, testdbSQLite(t), auth.Config{Secret: testSecret}, envOptions{rateLimits: api.RateLimits{UserPerMinute: 40}})
	w := newWorld(t, e)
	url := ""
	for i := range 3 {
		url = uploadDocument(w.am1, w.a1, "OTHER", "文件"+string(rune('A'+i)), []byte("内容")).ok(t).str(t, "uploadClientDocument.downloadURL")
	}
	count := func(first int) int64 {
		before := e.stmts.Load()
		r := w.am1.do(`query($n: Int) { clientDocuments(first: $n) { edges { node { downloadURL } } } }`, map[string]any{"n": first}).ok(t)
		if n := len(r.list(t, "clientDocuments.edges")); n != first {
			t.Fatalf("%d documents listed, want %d", n, first)
		}
		return e.stmts.Load() - before
	}
	if one, three := count(1), count(3); one != three {
		t.Errorf("download URLs: %d statements for 1, %d for 3", one, three)
	}
	time.Sleep(2 * time.Second) // the burst of 10 is back
	if !limitedWithin(t, 20, func() (int, string) {
		resp, _ := e.get(t, url, "")
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}) {
		t.Fatal("20 downloads through a signed URL at once, none limited (the user may send 10 at once)")
	}
}

// Downloads read slowly hold their own execution slots, not the API's: a
// client reading large documents at a trickle cannot make GraphQL answer
// 503.
func TestSlowDownloadsLeaveTheAPIFree(t *testing.T) {
	e := newEnvWith(t, testdbSQLite(t), auth.Config{Secret: testSecret}, envOptions{maxInFlight: 2})
	w := newWorld(t, e)
	big := bytes.Repeat([]byte("a"), archive.MaxBytes) // 20 MiB: more than the sockets buffer
	url := uploadDocument(w.am1, w.a1, "OTHER", "大文件.txt", big).ok(t).str(t, "uploadClientDocument.downloadURL")
	for range 2 { // as many as the API's slots, never read
		client := &http.Client{Transport: &http.Transport{}}
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
	}
	time.Sleep(200 * time.Millisecond)
	// The slow readers do hold their slots (the sockets did not take the
	// whole files): a third download waits, then is turned away.
	if resp, _ := e.get(t, url, ""); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a third download while two are read slowly: HTTP %d, want 503", resp.StatusCode)
	}
	start := time.Now()
	w.am1.do(`{ viewer { id } }`, nil).ok(t)
	if took := time.Since(start); took > time.Second {
		t.Fatalf("GraphQL waited %v behind slow downloads", took)
	}
}
