package schema

import (
	"context"
	gen "rapport/ent"
	"rapport/ent/privacy"
	"rapport/ent/user"
	"rapport/internal/apierr"
	"rapport/internal/authz"
	"rapport/internal/viewer"

	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"rapport/internal/pulid"
	"rapport/internal/validate"
)

// User is a person of the organisation, provisioned on the first request
// that carries a valid token. Roles always come from the token; the copy
// kept here is what the last token said, for listings.
type User struct{ ent.Schema }

func (User) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("US"), TimeMixin{}, TenantMixin{}, AuditMixin{}}
}

func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("subject").Immutable().Validate(validate.Name(255)).
			Comment("The `sub` claim of the user's tokens."),
		field.String("name").Default("").Validate(validate.Text(100)).Annotations(entgql.OrderField("NAME")),
		field.String("email").Default("").Validate(validate.Email),
		field.Strings("roles").Default([]string{}).
			Annotations(entgql.Skip(entgql.SkipAll)).
			Comment("Roles of the user's most recent token."),
		field.String("department_id").GoType(pulid.ID("")).Optional(),
		field.String("manager_id").GoType(pulid.ID("")).Optional(),
		field.Time("last_seen_at").Default(func() time.Time { return time.Now().UTC() }).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Int("calendar_token_version").Default(0).
			Annotations(entgql.Skip(entgql.SkipAll)).
			Comment("Bumped to revoke the user's calendar feed URLs (rotateCalendarToken)."),
	}
}

func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("department", Department.Type).Field("department_id").Unique(),
		// Reports are changed from the report's side (managerID), so that
		// every change of a manager is checked and audited on its own row.
		edge.To("reports", User.Type).
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			From("manager").Field("manager_id").Unique(),
		edge.From("accounts", Account.Type).Ref("owner").
			Annotations(entgql.Skip(entgql.SkipAll)),
		edge.From("recognitions", Recognition.Type).Ref("people").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			Comment("The awards and role-model recognitions naming the user (on their profile).").
			Annotations(noWhereInput),
	}
}

func (User) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("organization_id", "subject").Unique(),
		index.Fields("manager_id"),
	}
}

func (User) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.Mutations(entgql.MutationUpdate()),
	}
}

// Policy: everyone in the organisation sees its directory. Users are
// provisioned from their tokens (system code), and only an ADMIN changes a
// user's department or manager; a manager chain never loops.
func (User) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{
			privacy.UserMutationRuleFunc(func(ctx context.Context, m *gen.UserMutation) error {
				if !m.Op().Is(gen.OpUpdateOne) {
					return apierr.Forbiddenf("users are provisioned from their tokens and never deleted")
				}
				if !viewer.FromContext(ctx).Can(authz.ManageDirectory) {
					return apierr.Forbiddenf("only an admin changes users")
				}
				self, _ := m.ID()
				if mgr, ok := m.ManagerID(); ok {
					if mgr == self {
						return apierr.BadInput("managerID", "a user cannot be their own manager")
					}
					loop, err := m.Client().User.Query().Where(user.ID(mgr), usersInTeamOf(self)).Exist(ctx)
					if err != nil {
						return err
					}
					if loop {
						return apierr.BadInput("managerID", "the manager reports to this user; the chain would loop")
					}
				}
				return privacy.Allow
			}),
		},
	}
}
