// Package graph holds Rapport's GraphQL resolvers. They are thin: queries go
// through ent (privacy policies decide what is visible, CollectFields
// eager-loads nested edges) and mutations run in the request's transaction.
package graph

//go:generate go tool gqlgen generate

import (
	"context"

	"entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"rapport/ent"
	"rapport/internal/apierr"
	"rapport/internal/auth"
	"rapport/internal/followup"
	"rapport/internal/pulid"
	"rapport/internal/viewer"
)

// Resolver is the resolver root.
type Resolver struct{ client *ent.Client }

// NewSchema returns the executable schema over client.
func NewSchema(client *ent.Client) graphql.ExecutableSchema {
	return NewExecutableSchema(Config{Resolvers: &Resolver{client: client}})
}

// db returns the client of the request's transaction during a mutation, and
// the shared client otherwise.
func (r *Resolver) db(ctx context.Context) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return r.client
}

// noders loads the nodes with the given IDs in order. An ID that names no
// row the viewer may see is null in the list, with a NOT_FOUND error at its
// index; the other nodes and the rest of the response stand. (entgql's
// Noders fails the whole list, and so the whole response, for a single ID.)
func (r *Resolver) noders(ctx context.Context, ids []pulid.ID) ([]ent.Noder, error) {
	if len(ids) != 1 {
		return r.db(ctx).Noders(ctx, ids, ent.WithNodeType(ent.TableOfID))
	}
	n, err := r.db(ctx).Noder(ctx, ids[0], ent.WithNodeType(ent.TableOfID))
	if ent.IsNotFound(err) {
		path := append(graphql.GetPath(ctx), ast.PathIndex(0))
		graphql.AddError(ctx, gqlerror.WrapPath(path, apierr.NotFoundf("node %q not found", ids[0])))
		return []ent.Noder{nil}, nil
	}
	if err != nil {
		return nil, err
	}
	return []ent.Noder{n}, nil
}

// eagerAccounts readies the accounts a list holds at list.account (agenda
// items, review proposals, sheet rows) to eager-load what the client
// selected of them.
func eagerAccounts(ctx context.Context, list string) followup.Prepare {
	return func(q *ent.AccountQuery) (*ent.AccountQuery, error) {
		return q.CollectFields(nestedField(ctx, list, "account"))
	}
}

// nestedField returns ctx as if resolving the field at path below the
// current one (agenda → items → account), so that entgql's CollectFields
// eager-loads what the client selected there. Without such a field the
// current one stands.
func nestedField(ctx context.Context, path ...string) context.Context {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return ctx
	}
	oc := graphql.GetOperationContext(ctx)
	field := fc.Field
	for _, name := range path {
		var next *graphql.CollectedField
		for _, f := range graphql.CollectFields(oc, field.Selections, nil) {
			if f.Name == name {
				next = &f
				break
			}
		}
		if next == nil {
			return ctx
		}
		field = *next
	}
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{Parent: fc, Object: fc.Object, Field: field})
}

// edgesOnly returns ctx with the connection field being resolved narrowed
// to its edges (merged across fragments), so that entgql's Paginate reads
// the page, and pageInfo from it, without counting the whole list: for a
// list whose total comes from elsewhere. ok is false when the client did
// not select the edges.
func edgesOnly(ctx context.Context) (_ context.Context, ok bool) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return ctx, false
	}
	var sel ast.SelectionSet
	for _, f := range graphql.CollectFields(graphql.GetOperationContext(ctx), fc.Field.Selections, nil) {
		if f.Alias == "edges" { // the name entgql looks for
			edges := *f.Field
			edges.SelectionSet = f.Selections
			sel = append(sel, &edges)
		}
	}
	if sel == nil {
		return ctx, false
	}
	narrowed := *fc
	narrowed.Field = graphql.CollectedField{Field: fc.Field.Field, Selections: sel}
	return graphql.WithFieldContext(ctx, &narrowed), true
}

// selects reports whether the client selected field of the field being
// resolved.
func selects(ctx context.Context, field string) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return false
	}
	for _, f := range graphql.CollectFields(graphql.GetOperationContext(ctx), fc.Field.Selections, nil) {
		if f.Name == field {
			return true
		}
	}
	return false
}

// rolesOf returns u's roles: the current token's for the viewer, the most
// recent token's for anyone else.
func rolesOf(ctx context.Context, u *ent.User) []auth.Role {
	if v := viewer.FromContext(ctx); v != nil && v.UserID == u.ID {
		return v.Roles
	}
	return auth.KnownRoles(u.Roles)
}

// atVersion restricts an update to a row still at the expected version (no
// restriction without one).
func atVersion[P ~func(*sql.Selector)](expected *int) P {
	return func(s *sql.Selector) {
		if expected != nil {
			s.Where(sql.EQ(s.C("version"), *expected))
		}
	}
}

// versionConflict reports an update refused because the row moved past the
// expected version as CONFLICT; a row that is not there (or not visible)
// stays NOT_FOUND.
func (r *Resolver) versionConflict(ctx context.Context, id pulid.ID, expected *int, err error) error {
	if expected == nil || !ent.IsNotFound(err) {
		return err
	}
	if ok, xerr := r.db(ctx).Exists(ctx, id); xerr != nil || !ok {
		return err
	}
	return apierr.Conflictf("changed by someone else since version %d; reload it and try again", *expected)
}
