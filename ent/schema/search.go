package schema

import (
	"context"
	"fmt"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"rapport/internal/search"
)

// The archive search (internal/search, internal/archive) reads a
// search_text column on accounts, contacts, documents and articles: the
// row's searchable fields, lowercased, phones also as digits. A hook keeps
// it with the fields on every create and edit; PostgreSQL indexes it with
// pg_trgm (GIN), SQLite with an FTS5 trigram table its triggers keep.

// searchText is the search_text column: in no input and no GraphQL type.
func searchText() ent.Field {
	return field.Text("search_text").Optional().Annotations(entgql.Skip(entgql.SkipAll)).
		Comment("What search reads: the searchable fields, lowercased; phones also as digits.")
}

// searchIndex is the trigram index of search_text on PostgreSQL (on
// SQLite an ordinary index the FTS5 table makes unnecessary).
func searchIndex() ent.Index {
	return index.Fields("search_text").Annotations(
		entsql.IndexTypes(map[string]string{dialect.Postgres: "GIN"}),
		entsql.OpClassColumn("search_text", "gin_trgm_ops"),
	)
}

// searchHook keeps search_text with the fields (text) and phones of a row,
// before it is written: on a create from what is set, on an edit of one
// of them from what is set and what was there.
func searchHook(text, phones []string) ent.Hook {
	all := append(append([]string{}, text...), phones...)
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			create := m.Op().Is(ent.OpCreate)
			if !create && !m.Op().Is(ent.OpUpdateOne) {
				return next.Mutate(ctx, m)
			}
			touched := create || m.FieldCleared("search_text") // cleared: computed again (a backfill)
			for _, f := range all {
				_, set := m.Field(f)
				touched = touched || set || m.FieldCleared(f)
			}
			if !touched {
				return next.Mutate(ctx, m)
			}
			values := func(fields []string) ([]string, error) {
				out := make([]string, 0, len(fields))
				for _, f := range fields {
					v, set := m.Field(f)
					if !set && !create && !m.FieldCleared(f) {
						old, err := m.OldField(ctx, f)
						if err != nil {
							return nil, err
						}
						v = old
					}
					out = append(out, stringOf(v))
				}
				return out, nil
			}
			t, err := values(text)
			if err != nil {
				return nil, err
			}
			p, err := values(phones)
			if err != nil {
				return nil, err
			}
			if err := m.SetField("search_text", search.Text(t, p)); err != nil {
				return nil, err
			}
			return next.Mutate(ctx, m)
		})
	}
}

func stringOf(v ent.Value) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case *string:
		if v == nil {
			return ""
		}
		return *v
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprint(v)
}
