package schema

import (
	"context"
	"rapport/ent/greetingoutline"
	"rapport/ent/interaction"
	"strings"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "rapport/ent"
	"rapport/ent/contact"
	"rapport/ent/hook"
	"rapport/internal/apierr"
	"rapport/internal/cadence"
	"rapport/internal/followup"
	"rapport/internal/pulid"
	"rapport/internal/validate"
	"rapport/internal/viewer"
)

// Interaction is one contact with an account (domain §3): a call, a visit,
// a message… as it happened. Whoever may see the account may log one (a
// service rep's call counts too). It is never edited: a correction is a new
// interaction; it is not audited either, being itself the record of who
// logged what and when. Logging one updates the account's derived follow-up columns
// in the same transaction (followup.go).
type Interaction struct{ ent.Schema }

func (Interaction) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("IN"), TimeMixin{}, TenantMixin{}, AccountScoped{Write: SeeAccount}}
}

// InteractionKinds are the kinds of contact of domain §3.
var InteractionKinds = []string{"PHONE", "VISIT", "SMS", "WECHAT", "EMAIL", "MEETING", "LETTER", "GREETING", "GIFT"}

// futureSkew is how far ahead of the server's clock an occurredAt may be
// (a client's clock running fast), before it counts as in the future.
const futureSkew = 5 * time.Minute

func (Interaction) Fields() []ent.Field {
	return []ent.Field{
		field.String("account_id").GoType(pulid.ID("")).Immutable(),
		field.Enum("kind").Values(InteractionKinds...).Immutable().
			Annotations(entgql.Type("InteractionKind")),
		field.Time("occurred_at").Immutable().
			Annotations(entgql.OrderField("OCCURRED_AT")).
			Comment("When it happened; may be in the past (logged late), never in the future."),
		field.Text("summary").Optional().Immutable().Validate(validate.Text(4000)),
		field.Bool("decision_maker_met").Default(false).Immutable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput)).
			Comment("Whether a contact met is a decision maker: an A-tier visit counts only then."),
		field.String("logged_by_id").GoType(pulid.ID("")).Optional().Immutable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput)),
	}
}

func (Interaction) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("interactions").Field("account_id").Unique().Required().Immutable(),
		edge.To("contacts", Contact.Type).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("logged_by", User.Type).Field("logged_by_id").Unique().Immutable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput)),
		edge.To("visit_report", VisitReport.Type).Unique().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput)),
		edge.To("greeting_outline", GreetingOutline.Type).Unique().Immutable().
			Comment("The approved outline a GREETING follows.").
			Annotations(noWhereInput),
	}
}

func (Interaction) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("account_id", "occurred_at"),
		index.Fields("organization_id", "occurred_at"),
	}
}

func (Interaction) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.Mutations(entgql.MutationCreate()),
	}
}

// Hooks check what is logged before it is written, stamp who logged it,
// and bring the account's follow-up columns up to date.
func (Interaction) Hooks() []ent.Hook {
	return []ent.Hook{hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.InteractionFunc(func(ctx context.Context, m *gen.InteractionMutation) (ent.Value, error) {
			occurred, _ := m.OccurredAt()
			if occurred.After(time.Now().Add(futureSkew)) {
				return nil, apierr.BadInput("occurredAt", "an interaction cannot have happened in the future")
			}
			accountID, _ := m.AccountID()
			// Lock the account before the insert takes its share lock on it (the
			// foreign key): concurrent logs for one account then queue here
			// instead of deadlocking on the upgrade.
			if err := m.Client().LockRow(ctx, accountID); err != nil {
				return nil, err
			}
			ids := m.ContactsIDs()
			if len(ids) > MaxContactsPerAccount {
				return nil, apierr.BadInput("contactIDs", "at most %d contacts", MaxContactsPerAccount)
			}
			if len(ids) > 0 {
				met, err := m.Client().Contact.Query().Where(contact.IDIn(ids...), contact.AccountID(accountID)).All(ctx)
				if err != nil {
					return nil, err
				}
				if len(met) != len(dedupe(ids)) {
					return nil, apierr.BadInput("contactIDs", "every contact met must be a contact of the account")
				}
				for _, c := range met {
					if c.IsDecisionMaker {
						m.SetDecisionMakerMet(true)
					}
				}
			}
			if err := checkGreeting(ctx, m); err != nil {
				return nil, err
			}
			if u := viewer.FromContext(ctx).User(); u != nil {
				m.SetLoggedByID(*u)
			}
			val, err := next.Mutate(ctx, m)
			if err != nil {
				return nil, err
			}
			return val, followup.Record(ctx, m.Client(), accountID, followUpContact(m))
		})
	}, ent.OpCreate)}
}

func dedupe(ids []pulid.ID) map[pulid.ID]bool {
	set := make(map[pulid.ID]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set
}

// followUpContact is the logged interaction as the cadence sees it.
func followUpContact(m *gen.InteractionMutation) cadence.Contact {
	kind, _ := m.Kind()
	occurred, _ := m.OccurredAt()
	met, _ := m.DecisionMakerMet()
	return cadence.Contact{Kind: cadence.Kind(kind), OccurredAt: occurred, DecisionMakerMet: met}
}

// checkGreeting holds a GREETING to an approved outline (domain §3: each
// greeting needs an outline a sales manager approved first); no other kind
// of contact names one.
func checkGreeting(ctx context.Context, m *gen.InteractionMutation) error {
	kind, _ := m.Kind()
	outline, named := m.GreetingOutlineID()
	switch {
	case kind != interaction.KindGREETING && named:
		return apierr.BadInput("greetingOutlineID", "only a GREETING follows a greeting outline")
	case kind != interaction.KindGREETING:
		return nil
	case !named:
		return apierr.BadInput("greetingOutlineID", "a greeting needs an approved greeting outline")
	}
	o, err := m.Client().GreetingOutline.Get(ctx, outline)
	if err != nil {
		return err
	}
	if o.Status != greetingoutline.StatusAPPROVED {
		return apierr.BadInput("greetingOutlineID", "the greeting outline is %s, not approved", strings.ToLower(string(o.Status)))
	}
	return nil
}
