package schema

import (
	"context"
	"strings"

	gen "rapport/ent"
	"rapport/ent/contact"
	"rapport/ent/hook"
	"rapport/internal/apierr"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"rapport/internal/pulid"
	"rapport/internal/validate"
)

// Contact is a person at an account. Whoever may see the account may see
// its contacts; whoever may edit the account may edit them (AccountScoped).
type Contact struct{ ent.Schema }

func (Contact) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("CO"), TimeMixin{}, TenantMixin{}, AccountScoped{Write: EditAccount, Grants: true}, VersionMixin{}, AuditMixin{}}
}

func (Contact) Fields() []ent.Field {
	return []ent.Field{
		field.String("account_id").GoType(pulid.ID("")).Immutable(),
		field.String("name").Validate(validate.Name(100)).Annotations(entgql.OrderField("NAME")),
		field.String("title").Optional().Validate(validate.Text(100)),
		field.String("mobile").Optional().Validate(validate.Phone),
		field.String("direct_line").Optional().Validate(validate.Phone),
		field.String("email").Optional().Validate(validate.Email),
		field.String("wechat").Optional().Validate(validate.Text(64)),
		field.Bool("is_decision_maker").Default(false).
			Comment("Chairman or general manager: an A-tier visit only counts if one was met."),
		field.Time("archived_at").Optional().Nillable().Annotations(readOnlyInputs).
			Comment("When the contact was archived (left the company): out of the account's list, the contacts list and search; still in the history (interactions, node)."),
		searchText(),
	}
}

func (Contact) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("contacts").Field("account_id").Unique().Required().Immutable(),
		edge.From("interactions", Interaction.Type).Ref("contacts").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

func (Contact) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("account_id"),
		index.Fields("organization_id", "name"), // a two-character search: names that start with it
		searchIndex(),
	}
}

func (Contact) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// MaxContactsPerAccount bounds Account.contacts, which the portal reads as a
// plain list (no pages): the cost model counts it at this size, and a 51st
// contact is refused. The account's row is locked while counting, so
// concurrent additions on several instances cannot pass the bound together.
const MaxContactsPerAccount = 50

func (Contact) Hooks() []ent.Hook {
	return []ent.Hook{searchHook([]string{"name", "title", "email", "wechat"}, []string{"mobile", "direct_line"}), hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ContactFunc(func(ctx context.Context, m *gen.ContactMutation) (ent.Value, error) {
			id, _ := m.AccountID()
			if err := m.Client().LockRow(ctx, id); err != nil {
				return nil, err
			}
			n, err := m.Client().Contact.Query().Where(contact.AccountID(id)).Count(ctx)
			if err != nil {
				return nil, err
			}
			if n >= MaxContactsPerAccount {
				return nil, apierr.Conflictf("an account holds at most %d contacts; update or reuse one of its contacts", MaxContactsPerAccount)
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate)}
}

// Interceptors read archived_at with every list of contacts that selects
// fewer columns (the client asked for a few fields): an account's list
// leaves the archived out (archive.Current), which it can tell only from
// the column. A list of contacts is a selection of several plain columns
// that holds account_id (entgql adds it to load an account's contacts);
// counts, aggregates and single-column reads (IDs) are left alone.
func (Contact) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			if cq, ok := q.(*gen.ContactQuery); ok {
				cq.Modify(withArchivedAt)
			}
			return next.Query(ctx, q)
		})
	})}
}

func withArchivedAt(s *sql.Selector) {
	cols := s.SelectedColumns()
	if len(cols) < 2 {
		return
	}
	holdsAccount := false
	for _, c := range cols {
		switch {
		case strings.ContainsAny(c, "(*"), strings.Contains(c, contact.FieldArchivedAt):
			return
		case strings.Contains(c, contact.FieldAccountID):
			holdsAccount = true
		}
	}
	if holdsAccount {
		s.AppendSelect(s.C(contact.FieldArchivedAt))
	}
}
