package api

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"rapport/internal/apierr"
)

// TrustedDocuments are the only operations a server in trusted-documents
// mode runs (RAPPORT_TRUSTED_DOCUMENTS): those of the portal's known
// files, such as schema/contract/*.graphql. An operation is compared as
// printed by gqlparser with the fragments it uses, so whitespace, comments
// and the order of fragments do not matter; anything else is refused.
type TrustedDocuments struct{ ops map[string]bool }

// LoadTrustedDocuments reads the operations of the files the patterns
// (globs, comma-separated) match.
func LoadTrustedDocuments(patterns string) (*TrustedDocuments, error) {
	t := &TrustedDocuments{ops: map[string]bool{}}
	for _, pattern := range strings.Split(patterns, ",") {
		files, err := filepath.Glob(strings.TrimSpace(pattern))
		if err != nil {
			return nil, fmt.Errorf("trusted documents %q: %w", pattern, err)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("trusted documents %q: no file matches", pattern)
		}
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			doc, perr := parser.ParseQuery(&ast.Source{Name: f, Input: string(src)})
			if perr != nil {
				return nil, fmt.Errorf("trusted documents %s: %w", f, perr)
			}
			for _, op := range doc.Operations {
				t.ops[canonical(doc, op)] = true
			}
		}
	}
	return t, nil
}

// Len is the number of trusted operations.
func (t *TrustedDocuments) Len() int { return len(t.ops) }

// canonical prints op with the fragments it uses, by name.
func canonical(doc *ast.QueryDocument, op *ast.OperationDefinition) string {
	used := map[string]bool{}
	var visit func(ast.SelectionSet)
	visit = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				visit(s.SelectionSet)
			case *ast.InlineFragment:
				visit(s.SelectionSet)
			case *ast.FragmentSpread:
				if f := doc.Fragments.ForName(s.Name); f != nil && !used[s.Name] {
					used[s.Name] = true
					visit(f.SelectionSet)
				}
			}
		}
	}
	visit(op.SelectionSet)
	out := &ast.QueryDocument{Operations: ast.OperationList{op}}
	for _, f := range doc.Fragments {
		if used[f.Name] {
			out.Fragments = append(out.Fragments, f)
		}
	}
	slices.SortFunc(out.Fragments, func(a, b *ast.FragmentDefinition) int { return strings.Compare(a.Name, b.Name) })
	var b strings.Builder
	formatter.NewFormatter(&b, formatter.WithoutDescription()).FormatQueryDocument(out)
	return b.String()
}

// trustedOnly is the gqlgen extension that refuses the other operations.
type trustedOnly struct{ docs *TrustedDocuments }

var (
	_ graphql.HandlerExtension        = trustedOnly{}
	_ graphql.OperationContextMutator = trustedOnly{}
)

func (trustedOnly) ExtensionName() string                   { return "TrustedDocuments" }
func (trustedOnly) Validate(graphql.ExecutableSchema) error { return nil }

func (t trustedOnly) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation != nil && t.docs.ops[canonical(oc.Doc, oc.Operation)] {
		return nil
	}
	err := apierr.Forbiddenf("this server runs only the portal's known operations (trusted documents); this one is not among them")
	err.Reason = "UNTRUSTED_DOCUMENT"
	return &gqlerror.Error{Err: err, Message: err.Message}
}
