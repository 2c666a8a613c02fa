// Package layering holds a test of how Rapport's packages depend on each
// other: business rules live in plain Go packages under internal/ that
// import no database code, and are called from thin hooks and resolvers.
package layering

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// plumbing are the packages under internal/ that talk to the database.
// Every other package there is a rule package and must not reach it.
var plumbing = []string{
	"rapport/internal/api",                    // HTTP and GraphQL over the ent client
	"rapport/internal/store",                  // opening, migrating and writing the database
	"rapport/internal/demo",                   // loading the demo organisation
	"rapport/internal/followup",               // applying the cadence to stored accounts
	"rapport/internal/cultureops",             // applying the culture rules to stored campaigns
	"rapport/internal/archive",                // filing, storing and serving documents; the archive deadline
	"rapport/internal/bulletinops",            // applying the publication rules to stored issues
	"rapport/internal/serviceops",             // applying the service rules: watchlist, callbacks, complaints, credit
	"rapport/internal/calfeed",                // serving the agenda feeds
	"rapport/internal/figures",                // the business figures as metrics
	"rapport/internal/tracing",                // spans around the database driver
	"rapport/internal/followup/followupbench", // the scale benchmark
	"rapport/internal/testdb",
}

// database is what a rule package may not import, directly or not.
var database = []string{"rapport/ent", "database/sql", "github.com/lib/pq", "modernc.org/sqlite", "entgo.io/ent/dialect"}

func TestRulePackagesImportNoDatabaseCode(t *testing.T) {
	out, err := exec.Command("go", "list", "rapport/internal/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	rules := 0
	for _, pkg := range strings.Fields(string(out)) {
		if slices.Contains(plumbing, pkg) || pkg == "rapport/internal/layering" {
			continue
		}
		deps, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, d := range strings.Fields(string(deps)) {
			if d == "database/sql/driver" {
				continue // the Valuer/Scanner interfaces (pulid.ID implements them): no database code
			}
			for _, db := range database {
				if d == db || strings.HasPrefix(d, db+"/") {
					t.Errorf("%s is a rule package but depends on %s (move the database work to a plumbing package, or list it in plumbing)", pkg, d)
				}
			}
		}
		rules++
	}
	if rules == 0 {
		t.Fatal("no rule package found")
	}
}
