package schema

import (
	"context"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"entgo.io/ent/schema/mixin"

	"rapport/internal/pulid"
)

// noWhereInput keeps an edge out of its type's where input: a filter
// across an edge is a plain subquery, which the policy of the rows it
// reaches does not check, so an edge whose rows the viewer may not read
// (a rep's callback's account, a published issue's rejected articles)
// offers none. graph/where_test.go lists the filters that are offered and
// why each is safe.
var noWhereInput = entgql.Skip(entgql.SkipWhereInput)

// IDMixin gives a type its global ID: a two-letter prefix naming the type
// followed by a ULID (see internal/pulid).
type IDMixin struct {
	mixin.Schema
	prefix string
}

// WithID returns the IDMixin for a type whose IDs start with prefix.
func WithID(prefix string) IDMixin { return IDMixin{prefix: prefix} }

func (m IDMixin) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").
			GoType(pulid.ID("")).
			DefaultFunc(func() pulid.ID { return pulid.New(m.prefix) }).
			Immutable().
			MaxLen(64),
	}
}

// PULIDAnnotation records a type's ID prefix for the node resolver template.
type PULIDAnnotation struct{ Prefix string }

func (PULIDAnnotation) Name() string { return "PULID" }

func (m IDMixin) Annotations() []schema.Annotation {
	return []schema.Annotation{PULIDAnnotation{Prefix: m.prefix}}
}

// TimeMixin records when a row was created and last changed (UTC).
type TimeMixin struct{ mixin.Schema }

func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").
			Default(func() time.Time { return time.Now().UTC() }).
			Immutable().
			Annotations(entgql.OrderField("CREATED_AT"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Time("updated_at").
			Default(func() time.Time { return time.Now().UTC() }).
			UpdateDefault(func() time.Time { return time.Now().UTC() }).
			Annotations(entgql.OrderField("UPDATED_AT"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Hooks store every time value in UTC, whatever zone the caller used: SQLite
// compares times as text, and business days are computed from UTC instants
// in the organisation's zone.
func (TimeMixin) Hooks() []ent.Hook {
	return []ent.Hook{func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			for _, f := range m.Fields() {
				v, _ := m.Field(f)
				if t, ok := v.(time.Time); ok && t.Location() != time.UTC {
					if err := m.SetField(f, t.UTC()); err != nil {
						return nil, err
					}
				}
			}
			return next.Mutate(ctx, m)
		})
	}}
}

// VersionMixin counts the changes of a row. Every update increments the
// version in the database (version = version + 1), except the system's
// writes of the columns it maintains (see systemColumns), and a client that read
// version N may ask for its change to apply only while the row is still at
// N: an edit from a stale screen is then a CONFLICT, never a lost update.
type VersionMixin struct{ mixin.Schema }

func (VersionMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Int("version").Default(1).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)).
			Comment("Incremented by every change; pass it back as expectedVersion to refuse edits from a stale copy."),
	}
}

func (VersionMixin) Hooks() []ent.Hook {
	return []ent.Hook{func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if m.Op().Is(ent.OpUpdateOne|ent.OpUpdate) && !systemWrite(ctx, m) {
				if err := m.AddField("version", 1); err != nil {
					return nil, err
				}
			}
			return next.Mutate(ctx, m)
		})
	}}
}

// TenantMixin puts a type under one organisation. The organisation is set
// from the viewer when a row is created, can never change, and every query
// and mutation is filtered to the viewer's organisation (see tenant.go).
type TenantMixin struct{ mixin.Schema }

func (TenantMixin) Fields() []ent.Field {
	return []ent.Field{
		field.String("organization_id").
			GoType(pulid.ID("")).
			Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

func (TenantMixin) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("organization", Organization.Type).
			Field("organization_id").
			Unique().
			Required().
			Immutable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)),
	}
}

func (TenantMixin) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id")}
}
