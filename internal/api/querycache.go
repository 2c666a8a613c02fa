package api

import (
	"container/list"
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// DefaultQueryCacheBytes bounds the memory each query cache holds (parsed
// queries; persisted queries' texts), unless Config.QueryCacheBytes says
// otherwise (RAPPORT_QUERY_CACHE_BYTES).
const DefaultQueryCacheBytes = 64 << 20

// astBytesPerField is about what a parsed and validated query holds per
// field it names (measured: 400 KB for 1,000 aliased fields in 17 KB of
// text), so that a cache counts a small text naming many fields at its
// real weight.
const astBytesPerField = 400

// queryCache is a least-recently-used cache bounded by its number of
// entries and by the bytes they hold: a client sending many large,
// distinct queries (each valid, or each under its own hash) pushes out
// older entries instead of filling the instance's memory.
type queryCache[T any] struct {
	mu       sync.Mutex
	entries  int
	budget   int
	used     int
	weigh    func(key string, v T) int
	order    *list.List // of *cached[T], the most recently used first
	elements map[string]*list.Element
}

type cached[T any] struct {
	key    string
	value  T
	weight int
}

var _ graphql.Cache[*ast.QueryDocument] = (*queryCache[*ast.QueryDocument])(nil)

func newQueryCache[T any](entries, budget int, weigh func(string, T) int) *queryCache[T] {
	return &queryCache[T]{entries: entries, budget: budget, weigh: weigh, order: list.New(), elements: map[string]*list.Element{}}
}

// newDocumentCache caches parsed queries by their text.
func newDocumentCache(entries, budget int) *queryCache[*ast.QueryDocument] {
	return newQueryCache(entries, budget, func(key string, doc *ast.QueryDocument) int {
		return len(key) + astBytesPerField*fieldsOf(doc)
	})
}

// newTextCache caches persisted queries' texts by their hash.
func newTextCache(entries, budget int) *queryCache[string] {
	return newQueryCache(entries, budget, func(key, text string) int { return len(key) + len(text) })
}

func (c *queryCache[T]) Get(_ context.Context, key string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.elements[key]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*cached[T]).value, true
	}
	var zero T
	return zero, false
}

func (c *queryCache[T]) Add(_ context.Context, key string, value T) {
	w := c.weigh(key, value)
	if w > c.budget {
		return // larger than the whole cache: not kept
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.elements[key]; ok {
		c.used -= e.Value.(*cached[T]).weight
		c.order.Remove(e)
		delete(c.elements, key)
	}
	c.elements[key] = c.order.PushFront(&cached[T]{key: key, value: value, weight: w})
	c.used += w
	for c.order.Len() > c.entries || c.used > c.budget {
		last := c.order.Back()
		old := last.Value.(*cached[T])
		c.order.Remove(last)
		delete(c.elements, old.key)
		c.used -= old.weight
	}
}

// fieldsOf counts the fields a document names (its operations and
// fragments, each once).
func fieldsOf(doc *ast.QueryDocument) int {
	if doc == nil {
		return 0
	}
	var count func(ast.SelectionSet) int
	count = func(set ast.SelectionSet) int {
		n := 0
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				n += 1 + count(sel.SelectionSet)
			case *ast.InlineFragment:
				n += count(sel.SelectionSet)
			}
		}
		return n
	}
	n := 0
	for _, op := range doc.Operations {
		n += count(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		n += count(f.SelectionSet)
	}
	return n
}
