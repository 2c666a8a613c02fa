package api

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"rapport/graph"
)

// The query caches drop the least recently used entries past their
// number or their bytes, and keep nothing larger than the whole cache.
func TestQueryCacheBounds(t *testing.T) {
	ctx := t.Context()
	c := newTextCache(3, 100)
	c.Add(ctx, "a", strings.Repeat("x", 29)) // 30 bytes each
	c.Add(ctx, "b", strings.Repeat("x", 29))
	c.Add(ctx, "c", strings.Repeat("x", 29))
	if _, ok := c.Get(ctx, "a"); !ok { // a is now the most recent
		t.Fatal("a was dropped too early")
	}
	c.Add(ctx, "d", strings.Repeat("x", 29)) // 4 entries: b goes
	if _, ok := c.Get(ctx, "b"); ok {
		t.Fatal("b kept past 3 entries")
	}
	c.Add(ctx, "e", strings.Repeat("x", 59)) // 60 bytes: the two least recent, c and a, go
	for key, want := range map[string]bool{"a": false, "c": false, "d": true, "e": true} {
		if _, ok := c.Get(ctx, key); ok != want {
			t.Errorf("%s kept: %v, want %v", key, ok, want)
		}
	}
	if c.used != 90 || c.order.Len() != 2 {
		t.Errorf("%d bytes in %d entries, want 90 in 2", c.used, c.order.Len())
	}
	c.Add(ctx, "f", strings.Repeat("x", 100))
	if _, ok := c.Get(ctx, "f"); ok || c.used != 90 {
		t.Errorf("an entry larger than the cache was kept (%d bytes used)", c.used)
	}
}

// A parsed query weighs what its fields and values hold, not its text
// alone.
func TestDocumentWeight(t *testing.T) {
	var b strings.Builder
	for i := range 100 {
		fmt.Fprintf(&b, "a%d: __typename ", i)
	}
	q := `query($n: Int = 5) { viewer { id } nodes(ids: ["a", "b", "c"]) { id } accounts(first: $n) { totalCount } ` + b.String() + "}"
	doc, err := parseForTest(q)
	if err != nil {
		t.Fatal(err)
	}
	// 106 fields; the list and its 3 IDs; the variable used; the variable
	// and its default.
	if n := nodesOf(doc); n != 106+4+1+2 {
		t.Fatalf("%d nodes, want 113", n)
	}
	c := newDocumentCache(10, 1<<20)
	c.Add(t.Context(), q, doc)
	if want := len(q) + 113*astBytesPerNode; c.used != want {
		t.Fatalf("weight %d, want %d", c.used, want)
	}
}

func parseForTest(q string) (*ast.QueryDocument, error) {
	doc, errs := gqlparser.LoadQuery(graph.NewExecutableSchema(graph.Config{}).Schema(), q)
	if len(errs) > 0 {
		return nil, errs
	}
	return doc, nil
}
