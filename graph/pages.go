package graph

import (
	"context"
	"fmt"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/dialect/sql"

	"rapport/ent"
	"rapport/internal/pulid"
)

// totalColumn is the window count added to a first page's statement.
const totalColumn = "total_count"

// accountsPage is entgql's Paginate of accounts, but a first page (no
// cursor) whose client asked for its edges and totalCount reads both in
// one statement: the page carries COUNT(*) OVER () (the rows the filter
// matches, before LIMIT), instead of a second statement counting them.
// Other pages count as entgql does.
func accountsPage(ctx context.Context, q *ent.AccountQuery, after *entgql.Cursor[pulid.ID], first *int,
	before *entgql.Cursor[pulid.ID], last *int, opts ...ent.AccountPaginateOption) (*ent.AccountConnection, error) {
	page, edges := edgesOnly(ctx)
	if !edges || !selects(ctx, "totalCount") || after != nil || before != nil || last != nil || first == nil || *first == 0 {
		return q.Paginate(ctx, after, first, before, last, opts...)
	}
	q.Modify(func(s *sql.Selector) { s.AppendSelectExprAs(sql.Raw("COUNT(*) OVER ()"), totalColumn) })
	conn, err := q.Paginate(page, after, first, before, last, opts...)
	if err != nil {
		return nil, err
	}
	conn.TotalCount = 0
	if len(conn.Edges) > 0 {
		v, err := conn.Edges[0].Node.Value(totalColumn)
		if err != nil {
			return nil, err
		}
		n, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("window count: %T", v)
		}
		conn.TotalCount = int(n)
	}
	return conn, nil
}
