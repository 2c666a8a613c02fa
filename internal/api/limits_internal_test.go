package api

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"rapport/graph"
	"rapport/internal/querycost"
)

// Every list of objects in the schema is a connection (paid by first/last),
// nodes(ids:) (paid per ID), a connection's own edges, or has a cap in
// listCaps: a new list cannot slip past the cost model.
func TestEveryListJoinsTheCostModel(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	seen := map[string]bool{}
	for _, typ := range schema.Types {
		if typ.Kind != ast.Object || strings.HasPrefix(typ.Name, "__") || strings.HasSuffix(typ.Name, "Connection") {
			continue
		}
		for _, f := range typ.Fields {
			if f.Type.Elem == nil || strings.HasPrefix(f.Name, "__") {
				continue
			}
			elem := schema.Types[f.Type.Elem.Name()]
			if elem == nil || elem.Kind == ast.Scalar || elem.Kind == ast.Enum {
				continue
			}
			if f.Arguments.ForName("first") != nil || f.Arguments.ForName("ids") != nil {
				continue
			}
			key := typ.Name + "." + f.Name
			seen[key] = true
			if _, ok := listCaps[key]; !ok {
				t.Errorf("%s is a list of %s without a cap in listCaps", key, elem.Name)
			}
		}
	}
	for key := range listCaps {
		if !seen[key] {
			t.Errorf("listCaps names %s, which is not a plain list of objects in the schema", key)
		}
	}
}

// singleRows are the root fields that read one row (or none) whatever
// their arguments: a statement (every root field reads), no more.
var singleRows = map[string]bool{"Query.viewer": true, "Query.node": true}

// Every root field is a connection (paid by its page), a capped list, a
// single-row lookup, or declares the work it does in fieldWork: a new
// report cannot slip past the cost model.
func TestEveryRootFieldDeclaresItsWork(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	for _, typ := range []*ast.Definition{schema.Query, schema.Mutation} {
		for _, f := range typ.Fields {
			key := typ.Name + "." + f.Name
			if strings.HasPrefix(f.Name, "__") || f.Arguments.ForName("first") != nil || f.Arguments.ForName("ids") != nil {
				continue
			}
			_, capped := listCaps[key]
			_, works := fieldWork[key]
			if typ == schema.Query && !capped && !works && !singleRows[key] {
				t.Errorf("%s is neither a connection, a capped list, a single-row lookup nor in fieldWork", key)
			}
		}
	}
	for key := range fieldWork {
		typ, field, _ := strings.Cut(key, ".")
		if def := schema.Types[typ]; def == nil || def.Fields.ForName(field) == nil {
			t.Errorf("fieldWork names %s, which the schema does not have", key)
		}
	}
}

// Every contract operation the schema accepts stays within the limits even
// at the largest page the server allows.
func TestContractOperationsFitTheLimits(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	files, _ := filepath.Glob("../../schema/contract/*.graphql")
	checked := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := parser.ParseQuery(&ast.Source{Input: string(src)})
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range doc.Operations {
			single := &ast.QueryDocument{Operations: ast.OperationList{op}, Fragments: doc.Fragments}
			if errs := validator.ValidateWithRules(schema, single, rules.NewDefaultRules()); len(errs) > 0 {
				continue // a pending operation; the contract test reports it
			}
			vars := map[string]any{}
			for _, v := range op.VariableDefinitions {
				if v.Type.Name() == "Int" && (v.Variable == "first" || v.Variable == "last") {
					vars[v.Variable] = int64(MaxPageSize)
				}
			}
			if err := querycost.CheckDocument(string(src), DefaultQueryLimits); err != nil {
				t.Errorf("%s: %v", filepath.Base(f), err)
			}
			cost, err := querycost.Cost(op, vars, DefaultQueryLimits, listCap, fieldCost)
			if err != nil {
				t.Errorf("%s %s at first: %d: %v", filepath.Base(f), op.Name, MaxPageSize, err)
			}
			t.Logf("%s %s costs at most %d", filepath.Base(f), op.Name, cost)
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no contract operation checked")
	}
}
