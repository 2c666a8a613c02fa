package schema

import (
	"context"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "rapport/ent"
	"rapport/ent/account"
	"rapport/ent/predicate"
	"rapport/ent/privacy"
	"rapport/internal/apierr"
	"rapport/internal/pulid"
	"rapport/internal/validate"
	"rapport/internal/viewer"
)

// The client archive beyond accounts and contacts (domain §2, §3): filed
// documents and the intelligence on A-tier accounts. internal/archive
// applies the rules (serial numbers, the upload limit, completeness).

// ClientDocument is a file in an account's archive: filed under a category
// with the organisation's serial number of its year (KH-2026-000123). Its
// bytes are a DocumentContent, read only by the download handler after the
// document itself was read under the viewer's policy.
type ClientDocument struct{ ent.Schema }

func (ClientDocument) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("DO"), TimeMixin{}, TenantMixin{}, AccountScoped{Write: SeeAccount}, AuditMixin{}}
}

func (ClientDocument) Fields() []ent.Field {
	return []ent.Field{
		field.String("account_id").GoType(pulid.ID("")).Immutable(),
		field.Enum("category").Values("COMPANY_PROFILE", "PRODUCT_BROCHURE", "CONTRACT", "PROPOSAL", "REPORT", "CORRESPONDENCE", "OTHER").Immutable().
			Annotations(entgql.OrderField("CATEGORY")),
		field.String("title").Validate(validate.Name(200)).Annotations(entgql.OrderField("TITLE")),
		field.Int("year").Immutable().Comment("The year of the serial number, in the organisation's time zone."),
		field.Int("number").Immutable().Comment("The running number in the year: 1, 2, 3… without gaps."),
		field.String("serial_number").Immutable().Annotations(entgql.OrderField("SERIAL_NUMBER")).
			Comment("KH-<year>-<number, six digits>: sorts as it was filed."),
		field.String("file_name").Immutable().Validate(validate.Text(255)),
		field.String("content_type").Immutable().Comment("Sniffed from the bytes, not taken from the client."),
		field.Int64("size").Immutable().Annotations(entgql.OrderField("SIZE")),
		field.String("uploaded_by_id").GoType(pulid.ID("")).Optional().Immutable(),
		searchText(),
	}
}

// Hooks keep the document's search text.
func (ClientDocument) Hooks() []ent.Hook {
	return []ent.Hook{searchHook([]string{"title", "serial_number", "file_name"}, nil)}
}

func (ClientDocument) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("documents").Field("account_id").Unique().Required().Immutable(),
		edge.To("uploaded_by", User.Type).Field("uploaded_by_id").Unique().Immutable(),
		edge.To("content", DocumentContent.Type).Unique().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

func (ClientDocument) Indexes() []ent.Index {
	return []ent.Index{
		// The database keeps serial numbers from repeating, whatever instance files.
		index.Fields("organization_id", "year", "number").Unique(),
		index.Fields("account_id", "serial_number"),
		searchIndex(),
	}
}

func (ClientDocument) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.QueryField(), entgql.RelayConnection()}
}

// DocumentContent holds a document's bytes, apart from its row so that
// lists never read them. Only the system reads and writes it: the upload
// after the document was created under the viewer's policy, the download
// after it was read under it.
type DocumentContent struct{ ent.Schema }

func (DocumentContent) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("DC"), TenantMixin{}}
}

func (DocumentContent) Fields() []ent.Field {
	return []ent.Field{
		field.Bytes("data").Immutable().Sensitive(),
	}
}

func (DocumentContent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("document", ClientDocument.Type).Ref("content").Unique().Required().Immutable(),
	}
}

func (DocumentContent) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

func (DocumentContent) Policy() ent.Policy {
	systemOnly := func(ctx context.Context) error {
		if viewer.FromContext(ctx).IsSystem() {
			return privacy.Allow
		}
		return apierr.Forbiddenf("a document's content is read through its download URL")
	}
	return privacy.Policy{
		Query:    privacy.QueryPolicy{privacy.QueryRuleFunc(func(ctx context.Context, _ ent.Query) error { return systemOnly(ctx) })},
		Mutation: privacy.MutationPolicy{privacy.MutationRuleFunc(func(ctx context.Context, _ ent.Mutation) error { return systemOnly(ctx) })},
	}
}

// IntelligenceItem is a news item on an account (domain §3: A-tier accounts
// have a dedicated intelligence owner who files trade press and website
// news with a suggested entry point for cooperation). Read as the account
// is; filed by the account's intelligence owner or whoever edits it.
type IntelligenceItem struct{ ent.Schema }

func (IntelligenceItem) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("II"), TimeMixin{}, TenantMixin{}, AccountScoped{Write: SeeAccount}, AuditMixin{}}
}

func (IntelligenceItem) Fields() []ent.Field {
	return []ent.Field{
		field.String("account_id").GoType(pulid.ID("")).Immutable(),
		field.String("headline").Validate(validate.Name(300)).Immutable(),
		field.String("source").Validate(validate.Name(300)).Immutable().Comment("Trade press, a website: where it was found."),
		field.Text("summary").Validate(validate.Name(4000)).Immutable(),
		field.Text("entry_point").Validate(validate.Name(2000)).Immutable().Comment("The suggested way in for cooperation."),
		field.String("author_id").GoType(pulid.ID("")).Optional().Immutable(),
	}
}

func (IntelligenceItem) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("intelligence").Field("account_id").Unique().Required().Immutable(),
		edge.To("author", User.Type).Field("author_id").Unique().Immutable(),
	}
}

func (IntelligenceItem) Indexes() []ent.Index {
	return []ent.Index{index.Fields("account_id", "created_at")}
}

func (IntelligenceItem) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}

// Policy: besides the account's rules (AccountScoped), intelligence is
// filed by the account's intelligence owner or by whoever edits the
// account.
func (IntelligenceItem) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{privacy.IntelligenceItemMutationRuleFunc(func(ctx context.Context, m *gen.IntelligenceItemMutation) error {
			v := viewer.FromContext(ctx)
			id, _ := m.AccountID()
			if !m.Op().Is(ent.OpCreate) {
				return apierr.Forbiddenf("intelligence items are never changed")
			}
			ps := []predicate.Account{account.IntelligenceOwnerID(v.UserID)}
			if p := accountsEditableBy(v); p != nil {
				ps = append(ps, p)
			} else if canEditSomeAccount(v) {
				return privacy.Allow
			}
			ok, err := m.Client().Account.Query().Where(account.ID(id), account.Or(ps...)).Exist(ctx)
			if err != nil {
				return err
			}
			if !ok {
				return apierr.Forbiddenf("intelligence is filed by the account's intelligence owner or its account manager")
			}
			return privacy.Allow
		})},
	}
}
