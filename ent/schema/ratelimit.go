package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"

	"rapport/ent/privacy"
)

// RateLimit is the state of one rate limit shared by every instance: the
// theoretical arrival time (GCRA) of a user's or an organisation's next
// request, in microseconds since the epoch of the database's clock. Each
// instance decides in memory and, every sync, adds what it admitted and
// reads what the others did, in one statement (internal/api/ratelimit.go).
// On PostgreSQL the table is UNLOGGED: it is written all the time, needs
// no WAL, and may be emptied by a crash. Never exposed through GraphQL;
// only those statements touch it.
type RateLimit struct{ ent.Schema }

func (RateLimit) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").MaxLen(64).NotEmpty().Immutable().Comment(`"u:" + user ID, or "o:" + organisation ID.`),
		field.Int64("tat"),
	}
}

func (RateLimit) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll), entsql.Table("rate_limits")}
}

// Policy: nobody reads or writes it through ent.
func (RateLimit) Policy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{privacy.AlwaysDenyRule()},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}
