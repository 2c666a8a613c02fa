package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/internal/auth"
	"rapport/internal/graphiql"
)

// nodePackage makes sure the npm package in testdata/dir has its pinned
// dependencies installed (npm ci, from its package-lock.json) and returns
// its directory. Without Node.js and npm it skips t, unless CI=true.
func nodePackage(t *testing.T, dir string) string {
	t.Helper()
	dir = filepath.Join("testdata", dir)
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
				t.Fatalf("%s is required when CI=true: %v", tool, err)
			}
			t.Skipf("skipping: %v (install Node.js and npm)", err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	return dir
}

// TestGraphQLOverHTTPAudit runs graphql-http's audit of the GraphQL over
// HTTP specification (auditServer, the npm package the specification's
// authors publish) against the server over real HTTP, signed in with a
// real token: every MUST and every SHOULD passes.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	dir := nodePackage(t, "http-audit")
	e := sqliteEnv(t)
	e.org("acme")
	tok := token(t, "acme", "u", auth.RoleEmployee)
	cmd := exec.Command("node", "audit.mjs", e.url+"/graphql", tok)
	cmd.Dir = dir
	cmd.WaitDelay = 10 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the audit did not run: %v\n%s", err, stderr.String())
	}
	n := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var r struct{ ID, Name, Status, Reason, Body string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("audit output %q: %v", sc.Text(), err)
		}
		level, _, _ := strings.Cut(r.Name, " ")
		n[level]++
		if r.Status != "ok" && level != "MAY" {
			t.Errorf("%s %s: %s (%s)", r.ID, r.Name, r.Reason, r.Body)
		}
	}
	if n["MUST"] < 10 || n["SHOULD"] < 10 {
		t.Fatalf("the audit ran %v audits: too few", n)
	}
	t.Logf("audits: %v", n)
}

// TestGraphiQLInChromium loads GraphiQL (/) in headless Chromium with no
// network but the server's: every script and stylesheet comes from the
// server, the page runs without an error (its Content-Security-Policy
// included), the default query says how to use the demo tokens, the token
// pasted in the Headers editor is sent as the Authorization header and
// answered, and the Explorer opens. The screenshot is kept in
// $RAPPORT_SCREENSHOTS when set.
func TestGraphiQLInChromium(t *testing.T) {
	dir := nodePackage(t, "graphiql-browser")
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatalf("chromium is required when CI=true (apt-get install chromium): %v", err)
		}
		t.Skipf("skipping: %v (apt-get install chromium)", err)
	}
	e := sqliteEnv(t)
	e.org("acme")
	tok := token(t, "acme", "am.east.1", auth.RoleAccountManager)
	shots := os.Getenv("RAPPORT_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	shot, _ := filepath.Abs(filepath.Join(shots, "graphiql.png"))
	cmd := exec.Command("node", "check.mjs", e.url+"/", tok, shot)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	cmd.WaitDelay = 10 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the browser check did not run: %v\n%s", err, stderr.String())
	}
	var r struct {
		Offsite, Errors, Graphql                      []string
		Requests                                      int
		DefaultQuery, Authorization, Result, Explorer string
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("browser check output %q: %v", out, err)
	}
	if len(r.Offsite) > 0 || len(r.Errors) > 0 {
		t.Fatalf("GraphiQL asked beyond the server for %v; errors: %v\n/graphql: %v", r.Offsite, r.Errors, r.Graphql)
	}
	if !strings.Contains(r.DefaultQuery, "go run ./server token") || !strings.Contains(r.DefaultQuery, `"Authorization": "Bearer <token>"`) {
		t.Errorf("the default query does not say how to sign in:\n%s", r.DefaultQuery)
	}
	if r.Authorization != "Bearer "+tok || !strings.Contains(r.Result, `"am.east.1 name"`) {
		t.Errorf("sent Authorization %q; result:\n%s", r.Authorization, r.Result)
	}
	if !strings.Contains(r.Explorer, "accounts") || !strings.Contains(r.Explorer, "orderBy") { // the schema, loaded with the token
		t.Errorf("the Explorer shows %q", r.Explorer)
	}
	if png, err := os.ReadFile(shot); err != nil || len(png) < 10_000 || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("no screenshot of the explorer: %d bytes, %v", len(png), err)
	}
	t.Logf("%d requests, all to the server; screenshot %s", r.Requests, shot)
}

// The GraphiQL page names its assets under a digest of their contents;
// they are served from the binary, cached for a year, and any other
// version is not found. The licences come with them.
func TestGraphiQLAssets(t *testing.T) {
	e := sqliteEnv(t)
	page := e.raw("GET", "/", "", nil)
	base := "/graphiql/" + graphiql.Version + "/"
	for _, name := range []string{"react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "graphiql.min.css", "plugin-explorer.umd.js", "start.js"} {
		if !strings.Contains(string(page.body), base+name) {
			t.Errorf("the page does not load %s%s", base, name)
		}
	}
	if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "http") {
		t.Errorf("the page's Content-Security-Policy: %q", csp)
	}
	js := e.raw("GET", base+"graphiql.min.js", "", nil)
	if js.status != 200 || !strings.Contains(js.header.Get("Cache-Control"), "immutable") || !strings.Contains(js.header.Get("Content-Type"), "javascript") || len(js.body) < 500_000 {
		t.Errorf("graphiql.min.js: %d %v, %d bytes", js.status, js.header, len(js.body))
	}
	if l := e.raw("GET", base+"LICENSES.txt", "", nil); l.status != 200 || !strings.Contains(string(l.body), "graphiql 4.1.2 (MIT)") {
		t.Errorf("LICENSES.txt: %d %.200s", l.status, l.body)
	}
	for _, path := range []string{"/graphiql/0123456789ab/graphiql.min.js", base, base + "nope.js", base + "../graphiql.go"} {
		if r := e.raw("GET", path, "", nil); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, r.status)
		}
	}
}
