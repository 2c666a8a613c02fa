package graph_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"rapport/graph"
	"rapport/internal/auth"
)

// contractDir holds the operations the portal's frontend sends, copied from
// the product's shared contract (../shared/contract beside the repository).
const contractDir = "../schema/contract"

// pending lists, per contract file, the operations whose issue has not
// landed yet (the issue number beside each file). Every other operation must
// validate; a pending one that validates fails too, so that it leaves this
// list the moment its capability lands and is checked from then on.
var pending = map[string]struct {
	issue int
	ops   []string
}{}

func TestContractOperationsValidate(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	files, _ := filepath.Glob(filepath.Join(contractDir, "*.graphql"))
	if len(files) == 0 {
		t.Fatal("no contract operations found in " + contractDir)
	}
	required := 0
	for _, f := range files {
		name := filepath.Base(f)
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, perr := parser.ParseQuery(&ast.Source{Name: name, Input: string(src)})
		if perr != nil {
			t.Fatalf("%s does not parse: %v", name, perr)
		}
		p := pending[name]
		for _, op := range doc.Operations {
			single := &ast.QueryDocument{Operations: ast.OperationList{op}, Fragments: doc.Fragments}
			errs := validator.ValidateWithRules(schema, single, rules.NewDefaultRules())
			isPending := slices.Contains(p.ops, op.Name)
			switch {
			case len(errs) == 0 && !isPending:
				required++
			case len(errs) == 0:
				t.Errorf("%s %s validates: remove it from pending (issue #%d) so that it is checked", name, op.Name, p.issue)
			case isPending:
				t.Logf("pending (issue #%d): %s %s: %v", p.issue, name, op.Name, errs[0].Message)
			default:
				t.Errorf("%s %s does not validate: %v", name, op.Name, errs)
			}
		}
	}
	if required == 0 {
		t.Fatal("no required contract operation was checked")
	}
	t.Logf("%d required contract operations validate", required)
}

// TestContractCopyIsCurrent fails when the shared contract beside the
// repository has changed and the copy in schema/contract has not followed.
func TestContractCopyIsCurrent(t *testing.T) {
	shared := filepath.Join("..", "..", "shared", "contract")
	if _, err := os.Stat(shared); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI runs with shared/ beside the repository, but %s is missing", shared)
		}
		t.Skipf("no shared contract at %s (outside the product workspace)", shared)
	}
	files, _ := filepath.Glob(filepath.Join(shared, "*"))
	for _, f := range files {
		want, _ := os.ReadFile(f)
		got, err := os.ReadFile(filepath.Join(contractDir, filepath.Base(f)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("schema/contract/%s differs from %s: copy it over", filepath.Base(f), strings.TrimPrefix(f, "../"))
		}
	}
}

// The GraphQL Role enum is the token's role type: the same names, in the
// same order.
func TestRoleEnumIsTheTokenRoles(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	var names []string
	for _, v := range schema.Types["Role"].EnumValues {
		names = append(names, v.Name)
	}
	if want := auth.RoleNames(auth.AllRoles()); !slices.Equal(names, want) {
		t.Fatalf("enum Role %v, auth roles %v", names, want)
	}
}

// Every operation in the README's graphql examples validates against the
// schema, so the examples cannot rot.
func TestReadmeExamplesValidate(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	blocks := strings.Split(string(readme), "```graphql\n")[1:]
	checked := 0
	for i, b := range blocks {
		src, _, _ := strings.Cut(b, "```")
		doc, perr := parser.ParseQuery(&ast.Source{Name: fmt.Sprintf("README block %d", i+1), Input: src})
		if perr != nil {
			t.Errorf("README graphql block %d does not parse: %v", i+1, perr)
			continue
		}
		for _, op := range doc.Operations {
			single := &ast.QueryDocument{Operations: ast.OperationList{op}, Fragments: doc.Fragments}
			if errs := validator.ValidateWithRules(schema, single, rules.NewDefaultRules()); len(errs) > 0 {
				t.Errorf("README block %d, %s: %v", i+1, op.Name, errs)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no README example found")
	}
	t.Logf("%d README operations validate", checked)
}
