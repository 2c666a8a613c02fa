package schema

import (
	"cmp"
	"context"
	gen "rapport/ent"
	"rapport/ent/account"
	"rapport/ent/contact"
	"rapport/ent/privacy"
	"rapport/internal/apierr"
	"rapport/internal/auth"
	"rapport/internal/viewer"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"rapport/internal/pulid"
	"rapport/internal/validate"
)

// Contact is a person at an account. Whoever may see the account may see
// its contacts; whoever may edit the account may edit them.
type Contact struct{ ent.Schema }

func (Contact) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("CO"), TimeMixin{}, TenantMixin{}, VersionMixin{}, AuditMixin{}}
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
	}
}

func (Contact) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("contacts").Field("account_id").Unique().Required().Immutable(),
	}
}

func (Contact) Indexes() []ent.Index {
	return []ent.Index{index.Fields("account_id")}
}

func (Contact) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// Policy: a contact is visible with its account and editable by whoever may
// edit the account (ADMIN, the owning team's SALES_MANAGER, the owner).
func (Contact) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			privacy.ContactQueryRuleFunc(func(ctx context.Context, q *gen.ContactQuery) error {
				if p := AccountsVisibleTo(viewer.FromContext(ctx)); p != nil {
					q.Where(contact.HasAccountWith(p))
				}
				return privacy.Allow
			}),
		},
		Mutation: privacy.MutationPolicy{
			privacy.ContactMutationRuleFunc(func(ctx context.Context, m *gen.ContactMutation) error {
				v := viewer.FromContext(ctx)
				if !v.Has(auth.RoleAdmin, auth.RoleSalesManager, auth.RoleAccountManager) {
					return apierr.Forbiddenf("your roles do not allow changing contacts")
				}
				editable := accountsEditableBy(v)
				if !m.Op().Is(gen.OpCreate) {
					if editable != nil {
						if id, ok := m.ID(); ok && m.Op().Is(gen.OpUpdateOne) {
							contacts := m.Client().Contact.Query
							if err := refuseReadOnly(ctx, "contact", contacts().Where(contact.ID(id), contact.HasAccountWith(editable)), contacts().Where(contact.ID(id))); err != nil {
								return err
							}
						}
						m.Where(contact.HasAccountWith(editable))
					}
					return privacy.Allow
				}
				id, _ := m.AccountID()
				q := m.Client().Account.Query().Where(account.ID(id))
				if editable != nil {
					q.Where(editable)
				}
				if ok, err := q.Exist(ctx); err != nil || !ok {
					return cmp.Or(err, error(apierr.NotFoundf("account %q not found", id)))
				}
				return privacy.Allow
			}),
		},
	}
}
