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

// astBytesPerNode is about what a parsed and validated query holds per
// field it names or value it writes (measured: 400 KB for 1,000 aliased
// fields in 17 KB of text; a literal value holds a little less), so that a
// cache counts a small text naming many fields, or listing many values, at
// its real weight.
const astBytesPerNode = 400

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
		return len(key) + astBytesPerNode*nodesOf(doc)
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

// nodesOf counts the fields a document names and the values it writes
// (arguments, directives, variables' defaults), in its operations and
// fragments, each once.
func nodesOf(doc *ast.QueryDocument) int {
	if doc == nil {
		return 0
	}
	var value func(*ast.Value) int
	value = func(v *ast.Value) int {
		if v == nil {
			return 0
		}
		n := 1
		for _, c := range v.Children {
			n += value(c.Value)
		}
		return n
	}
	args := func(as ast.ArgumentList) int {
		n := 0
		for _, a := range as {
			n += value(a.Value)
		}
		return n
	}
	directives := func(ds ast.DirectiveList) int {
		n := 0
		for _, d := range ds {
			n += 1 + args(d.Arguments)
		}
		return n
	}
	var set func(ast.SelectionSet) int
	set = func(s ast.SelectionSet) int {
		n := 0
		for _, sel := range s {
			switch sel := sel.(type) {
			case *ast.Field:
				n += 1 + args(sel.Arguments) + directives(sel.Directives) + set(sel.SelectionSet)
			case *ast.InlineFragment:
				n += directives(sel.Directives) + set(sel.SelectionSet)
			case *ast.FragmentSpread:
				n += directives(sel.Directives)
			}
		}
		return n
	}
	n := 0
	for _, op := range doc.Operations {
		n += directives(op.Directives) + set(op.SelectionSet)
		for _, v := range op.VariableDefinitions {
			n += 1 + value(v.DefaultValue)
		}
	}
	for _, f := range doc.Fragments {
		n += directives(f.Directives) + set(f.SelectionSet)
	}
	return n
}
