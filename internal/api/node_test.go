package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/internal/auth"
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
