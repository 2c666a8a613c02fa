package archive

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"rapport/ent"
	"rapport/ent/account"
	"rapport/ent/article"
	"rapport/ent/bulletinissue"
	"rapport/ent/clientdocument"
	"rapport/ent/contact"
	"rapport/internal/apierr"
	"rapport/internal/authz"
	"rapport/internal/search"
	"rapport/internal/viewer"
)

// MaxResults is the largest page of search results.
const MaxResults = 50

// Hit is a search result: an Account, Contact, ClientDocument or Article.
type Hit struct {
	Node   ent.Noder
	rank   int // 0: the name holds the query
	length int // of the name, in characters: shorter is closer
	kind   int // accounts, contacts, documents, articles
	id     string
}

// Results is a page of hits (Relay-shaped; no cursor: the first page is
// what a search box shows).
type Results struct {
	Edges      []*ResultEdge
	PageInfo   ent.PageInfo
	TotalCount int
}

type ResultEdge struct{ Node ent.Noder }

// Prepare eager-loads what the client selected on each type's rows.
type Prepare struct {
	Account        func(*ent.AccountQuery) (*ent.AccountQuery, error)
	Contact        func(*ent.ContactQuery) (*ent.ContactQuery, error)
	ClientDocument func(*ent.ClientDocumentQuery) (*ent.ClientDocumentQuery, error)
	Article        func(*ent.ArticleQuery) (*ent.ArticleQuery, error)
}

// matches is the predicate "search_text holds q", answered by the table's
// trigram index: PostgreSQL's pg_trgm GIN index (LIKE), SQLite's FTS5
// trigram table <table>_search (MATCH of the phrase).
func matches(table, q string) func(*sql.Selector) {
	return func(s *sql.Selector) {
		if s.Dialect() == dialect.Postgres {
			s.Where(sql.Like(s.C("search_text"), "%"+escapeLike(q)+"%"))
			return
		}
		s.Where(sql.P(func(b *sql.Builder) {
			b.WriteString(s.C("rowid") + " IN (SELECT rowid FROM " + table + "_search WHERE " + table + "_search MATCH ").
				Arg(`"` + strings.ReplaceAll(q, `"`, `""`) + `"`).WriteString(")")
		}))
	}
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// startsWith is the predicate "col starts with q", on the column's B-tree
// index (a range, so any database answers it from the index).
func startsWith(col, q string) func(*sql.Selector) {
	return func(s *sql.Selector) {
		s.Where(sql.And(sql.GTE(s.C(col), q), sql.LT(s.C(col), q+string(utf8.MaxRune))))
	}
}

// FewAccounts is how many accounts a viewer may read for a two-character
// search to start from their accounts' contacts rather than from the
// organisation's names.
const FewAccounts = 5000

// readsFewAccounts reports whether the viewer reads at most FewAccounts
// accounts (an account manager, a small team): one statement, unless they
// read every account.
func readsFewAccounts(ctx context.Context, c *ent.Client) (bool, error) {
	if viewer.FromContext(ctx).Can(authz.ReadAllAccounts) {
		return false, nil
	}
	ids, err := c.Account.Query().Limit(FewAccounts + 1).IDs(ctx)
	return len(ids) <= FewAccounts, err
}

// namePrefix is "col starts with q" as an expression no index answers, so
// that the database reaches the rows through the viewer's accounts (their
// contacts by account) instead of through every name that starts with q:
// for a viewer who reads few accounts, that is far less to read.
func namePrefix(col, q string) func(*sql.Selector) {
	return func(s *sql.Selector) {
		s.Where(sql.P(func(b *sql.Builder) {
			b.WriteString("SUBSTR(" + s.C(col) + ", 1, ").Arg(utf8.RuneCountInString(q)).WriteString(") = ").Arg(q)
		}))
	}
}

// closest orders a type's matches as they rank: the name holding the
// query first, then shorter names, then by id.
func closest(col, q string) func(*sql.Selector) {
	return func(s *sql.Selector) {
		s.OrderExpr(sql.ExprFunc(func(b *sql.Builder) {
			b.WriteString("CASE WHEN LOWER(" + s.C(col) + ") LIKE ").Arg("%" + escapeLike(q) + "%").
				WriteString(` ESCAPE '\' THEN 0 ELSE 1 END, LENGTH(` + s.C(col) + "), " + s.C("id"))
		}))
	}
}

// Search finds what the viewer may see (each type through its own
// policy) whose text holds the query: accounts, contacts, documents and
// published articles, best match first. A two-character query (a Chinese
// name) matches the start of account and contact names. Each type costs
// one statement for its rows and one for its count, plus prepare's.
func Search(ctx context.Context, c *ent.Client, query string, first *int, prepare Prepare, count bool) (*Results, error) {
	q, err := search.Parse(query)
	if err != nil {
		return nil, err
	}
	n := 20
	if first != nil {
		n = *first
	}
	if n < 0 || n > MaxResults {
		return nil, apierr.BadInput("first", "first is between 0 and %d", MaxResults)
	}
	res := &Results{Edges: []*ResultEdge{}}
	var hits []*Hit
	add := func(kind int, node ent.Noder, id, name string) {
		hits = append(hits, &Hit{Node: node, rank: search.Rank(name, q.Text), length: utf8.RuneCountInString(name), kind: kind, id: id})
	}

	aq := c.Account.Query()
	if q.Short {
		aq.Where(startsWith(account.FieldName, q.Text))
	} else {
		aq.Where(matches(account.Table, q.Text))
	}
	cq := c.Contact.Query()
	if q.Short {
		few, err := readsFewAccounts(ctx, c)
		if err != nil {
			return nil, err
		}
		if few {
			cq.Where(namePrefix(contact.FieldName, q.Text))
		} else {
			cq.Where(startsWith(contact.FieldName, q.Text))
		}
	} else {
		cq.Where(matches(contact.Table, q.Text))
	}
	cq.Where(contact.ArchivedAtIsNil())
	if count {
		for _, counter := range []func() (int, error){
			func() (int, error) { return aq.Clone().Count(ctx) },
			func() (int, error) { return cq.Clone().Count(ctx) },
		} {
			k, err := counter()
			if err != nil {
				return nil, err
			}
			res.TotalCount += k
		}
	}
	accounts, err := load(ctx, aq.Modify(closest(account.FieldName, q.Text)).Limit(n+1), prepare.Account)
	if err != nil {
		return nil, err
	}
	for _, a := range accounts {
		add(0, a, string(a.ID), a.Name)
	}
	contacts, err := load(ctx, cq.Modify(closest(contact.FieldName, q.Text)).Limit(n+1), prepare.Contact)
	if err != nil {
		return nil, err
	}
	for _, ct := range contacts {
		add(1, ct, string(ct.ID), ct.Name)
	}
	if !q.Short {
		dq := c.ClientDocument.Query().Where(matches(clientdocument.Table, q.Text))
		arq := c.Article.Query().Where(matches(article.Table, q.Text), article.StatusEQ(article.StatusACCEPTED),
			article.HasIssueWith(bulletinissue.StatusEQ(bulletinissue.StatusPUBLISHED)))
		if count {
			for _, counter := range []func() (int, error){
				func() (int, error) { return dq.Clone().Count(ctx) },
				func() (int, error) { return arq.Clone().Count(ctx) },
			} {
				k, err := counter()
				if err != nil {
					return nil, err
				}
				res.TotalCount += k
			}
		}
		docs, err := load(ctx, dq.Modify(closest(clientdocument.FieldTitle, q.Text)).Limit(n+1), prepare.ClientDocument)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			add(2, d, string(d.ID), d.Title)
		}
		articles, err := load(ctx, arq.Modify(closest(article.FieldTitle, q.Text)).Limit(n+1), prepare.Article)
		if err != nil {
			return nil, err
		}
		for _, a := range articles {
			add(3, a, string(a.ID), a.Title)
		}
	}
	slices.SortStableFunc(hits, func(a, b *Hit) int {
		switch {
		case a.rank != b.rank:
			return a.rank - b.rank
		case a.length != b.length:
			return a.length - b.length
		case a.kind != b.kind:
			return a.kind - b.kind
		}
		return strings.Compare(a.id, b.id)
	})
	if len(hits) > n {
		res.PageInfo.HasNextPage = true
		hits = hits[:n]
	}
	for _, h := range hits {
		res.Edges = append(res.Edges, &ResultEdge{Node: h.Node})
	}
	return res, nil
}

// load runs a type's query after prepare (nil: as it is).
func load[Q interface {
	All(context.Context) ([]T, error)
}, T any](ctx context.Context, q Q, prepare func(Q) (Q, error)) ([]T, error) {
	if prepare != nil {
		var err error
		if q, err = prepare(q); err != nil {
			return nil, err
		}
	}
	return q.All(ctx)
}
