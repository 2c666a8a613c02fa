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
	"rapport/ent/article"
	"rapport/ent/bulletinissue"
	"rapport/ent/predicate"
	"rapport/ent/privacy"
	"rapport/ent/publication"
	"rapport/internal/apierr"
	"rapport/internal/authz"
	"rapport/internal/pulid"
	"rapport/internal/validate"
	"rapport/internal/viewer"
)

// The firm's publications (domain §6): the monthly Bulletin, the quarterly
// house magazine, their numbered issues and the articles in them. The
// rules (schedule, windows, workflow) are in internal/bulletin;
// internal/bulletinops applies them.

// Publication is a periodical: its audience and its schedule.
type Publication struct{ ent.Schema }

func (Publication) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("PB"), TimeMixin{}, TenantMixin{}, AuditMixin{}}
}

func (Publication) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").Validate(validate.Name(200)).Annotations(entgql.OrderField("NAME")),
		field.Enum("audience").Values("STAFF", "CLIENTS").Default("STAFF"),
		field.Strings("tiers").Optional().
			Comment("For a CLIENTS publication: the account tiers it goes to (A, B, C)."),
		field.Enum("cadence").Values("MONTHLY", "QUARTERLY", "IRREGULAR"),
		field.Ints("months").Optional().
			Comment("The months of the regular issues, 1–12; none: every month (MONTHLY) or January, April, July, October (QUARTERLY)."),
		field.Int("window_start_day").Min(1).Max(31).Default(1),
		field.Int("window_end_day").Min(1).Max(31).Default(28),
	}
}

func (Publication) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("issues", BulletinIssue.Type).Ref("publication").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput), noWhereInput),
	}
}

func (Publication) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.QueryField(), entgql.RelayConnection(), entgql.Mutations(entgql.MutationCreate())}
}

// BulletinIssue is a numbered issue of a publication: a regular number per
// year and a running total, or a special issue (增刊) numbered apart.
type BulletinIssue struct{ ent.Schema }

func (BulletinIssue) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("BI"), TimeMixin{}, TenantMixin{}, VersionMixin{}, AuditMixin{}}
}

func (BulletinIssue) Fields() []ent.Field {
	return []ent.Field{
		field.String("publication_id").GoType(pulid.ID("")).Immutable(),
		field.Int("year").Min(2000).Max(2100).Immutable().Annotations(entgql.OrderField("YEAR")),
		field.Bool("special").Default(false).Immutable().Comment("A special issue (增刊), numbered apart."),
		field.Int("number").Immutable().Annotations(entgql.OrderField("NUMBER"), entgql.Skip(entgql.SkipMutationCreateInput)).
			Comment("The number in the year: regular issues 1, 2, 3…; special issues their own 1, 2…"),
		field.Int("total_number").Optional().Nillable().Immutable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput)).
			Comment("The running number across years, of regular issues only."),
		field.String("title").Validate(validate.Name(200)),
		field.Enum("status").Values("PLANNED", "EDITING", "IN_REVIEW", "APPROVED", "PUBLISHED").Default("PLANNED").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Time("published_at").Optional().Nillable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

func (BulletinIssue) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("publication", Publication.Type).Field("publication_id").Unique().Required().Immutable(),
		edge.From("articles", Article.Type).Ref("issue").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput), noWhereInput),
	}
}

func (BulletinIssue) Indexes() []ent.Index {
	return []ent.Index{
		// The database keeps numbers from repeating, whatever instance assigns them.
		index.Fields("publication_id", "year", "special", "number").Unique(),
		index.Fields("publication_id", "total_number").Unique(),
	}
}

func (BulletinIssue) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.QueryField(), entgql.RelayConnection(), entgql.Mutations(entgql.MutationCreate())}
}

// Article is a correspondent's submission to an issue: accepted (and
// ordered) or rejected by the editor.
type Article struct{ ent.Schema }

func (Article) Mixin() []ent.Mixin {
	return []ent.Mixin{WithID("AT"), TimeMixin{}, TenantMixin{}, VersionMixin{}, AuditMixin{}}
}

func (Article) Fields() []ent.Field {
	return []ent.Field{
		field.String("issue_id").GoType(pulid.ID("")).Immutable(),
		field.String("title").Validate(validate.Name(200)),
		field.Text("body").Validate(validate.Text(60_000)),
		field.String("department_id").GoType(pulid.ID("")).Optional(),
		field.String("author_id").GoType(pulid.ID("")).Optional().Immutable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput)),
		field.Enum("status").Values("SUBMITTED", "ACCEPTED", "REJECTED").Default("SUBMITTED").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Int("position").Default(0).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			Comment("The order in the issue, set by the editor."),
		searchText(),
	}
}

// Hooks keep the article's search text (published articles are searched).
func (Article) Hooks() []ent.Hook {
	return []ent.Hook{searchHook([]string{"title", "body"}, nil)}
}

func (Article) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("issue", BulletinIssue.Type).Field("issue_id").Unique().Required().Immutable().Annotations(noWhereInput),
		edge.To("department", Department.Type).Field("department_id").Unique(),
		edge.To("author", User.Type).Field("author_id").Unique().Immutable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput)),
	}
}

func (Article) Indexes() []ent.Index {
	return []ent.Index{index.Fields("issue_id", "status", "position"), searchIndex()}
}

// Interceptors read articles in the editor's order wherever they are read
// (an issue's articles eager-loaded for a page of issues too): by
// position, which the editor gives the accepted ones (1, 2, 3…; the others
// have 0), then as submitted. An order the reader asked for comes first.
func (Article) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			if aq, ok := q.(*gen.ArticleQuery); ok {
				aq.Order(gen.Asc(article.FieldPosition), gen.Asc(article.FieldCreatedAt), gen.Asc(article.FieldID))
			}
			return next.Query(ctx, q)
		})
	})}
}

func (Article) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Mutations(entgql.MutationCreate())}
}

// Policy: everyone in the organisation reads the publications; an editor
// creates them.
func (Publication) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{
			privacy.PublicationMutationRuleFunc(func(ctx context.Context, _ *gen.PublicationMutation) error {
				if v := viewer.FromContext(ctx); !v.IsSystem() && !v.Can(authz.ManagePublications) {
					return apierr.Forbiddenf("only an editor runs publications")
				}
				return privacy.Skip
			}),
		},
	}
}

// Policy: editors and executives see every issue; correspondents also the
// issues being edited (to submit to); everyone else the published issues
// of staff publications, and those of clients' newsletters when they read
// accounts (they send them, from the distribution list). An editor moves an issue along, an executive
// approves it; a published issue is read-only.
func (BulletinIssue) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			privacy.BulletinIssueQueryRuleFunc(func(ctx context.Context, q *gen.BulletinIssueQuery) error {
				v := viewer.FromContext(ctx)
				if v.IsSystem() || v.Can(authz.ManagePublications) || v.Can(authz.ApproveIssues) {
					return privacy.Skip
				}
				readable := publishedFor(v)
				if v.Can(authz.SubmitArticles) {
					readable = bulletinissue.Or(readable, bulletinissue.StatusEQ(bulletinissue.StatusEDITING))
				}
				q.Where(readable)
				return privacy.Skip
			}),
		},
		Mutation: privacy.MutationPolicy{
			privacy.BulletinIssueMutationRuleFunc(func(ctx context.Context, m *gen.BulletinIssueMutation) error {
				v := viewer.FromContext(ctx)
				if m.Op().Is(gen.OpUpdateOne) {
					if old, err := m.OldStatus(ctx); err == nil && old == bulletinissue.StatusPUBLISHED {
						return apierr.BadInput("id", "a published issue is read-only")
					}
				}
				if v.IsSystem() {
					return privacy.Skip
				}
				if st, ok := m.Status(); ok && st == bulletinissue.StatusAPPROVED {
					if !v.Can(authz.ApproveIssues) {
						return apierr.Forbiddenf("an executive approves an issue")
					}
					return privacy.Skip
				}
				if !v.Can(authz.ManagePublications) {
					return apierr.Forbiddenf("only an editor runs issues")
				}
				return privacy.Skip
			}),
		},
	}
}

// publishedFor is the published issues v reads: a staff publication's,
// and a clients' newsletter's for those who read accounts.
func publishedFor(v *viewer.Viewer) predicate.BulletinIssue {
	published := bulletinissue.StatusEQ(bulletinissue.StatusPUBLISHED)
	if canReadSomeAccount(v) {
		return published
	}
	return bulletinissue.And(published, bulletinissue.HasPublicationWith(publication.AudienceEQ(publication.AudienceSTAFF)))
}

// Policy: editors and executives read every article; an author their own;
// everyone else the accepted articles of the issues they may read once
// published. Correspondents (and editors) submit, as themselves; only an
// editor reviews.
func (Article) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			privacy.ArticleQueryRuleFunc(func(ctx context.Context, q *gen.ArticleQuery) error {
				v := viewer.FromContext(ctx)
				if v.IsSystem() || v.Can(authz.ManagePublications) || v.Can(authz.ApproveIssues) {
					return privacy.Skip
				}
				q.Where(article.Or(article.AuthorID(v.UserID), article.And(article.StatusEQ(article.StatusACCEPTED),
					article.HasIssueWith(publishedFor(v)))))
				return privacy.Skip
			}),
		},
		Mutation: privacy.MutationPolicy{
			privacy.ArticleMutationRuleFunc(func(ctx context.Context, m *gen.ArticleMutation) error {
				v := viewer.FromContext(ctx)
				if v.IsSystem() {
					return privacy.Skip
				}
				if m.Op().Is(gen.OpCreate) {
					if !v.Can(authz.SubmitArticles) {
						return apierr.Forbiddenf("correspondents submit articles")
					}
					if u := v.User(); u != nil {
						m.SetAuthorID(*u)
					}
					if v.Can(authz.ManagePublications) {
						return privacy.Skip // an editor files for any department
					}
					// A correspondent writes for their own department.
					author, err := m.Client().User.Get(ctx, v.UserID)
					if err != nil {
						return err
					}
					switch dep, given := m.DepartmentID(); {
					case given && dep != author.DepartmentID:
						return apierr.Forbiddenf("a correspondent submits articles for their own department")
					case !given && author.DepartmentID != "":
						m.SetDepartmentID(author.DepartmentID)
					}
					return privacy.Skip
				}
				if !v.Can(authz.ManagePublications) {
					return apierr.Forbiddenf("only an editor reviews articles")
				}
				return privacy.Skip
			}),
		},
	}
}
