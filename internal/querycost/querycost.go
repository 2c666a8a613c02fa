// Package querycost bounds what one GraphQL operation may ask of the server,
// in two steps:
//
//   - [CheckDocument] runs on the raw query before gqlgen validates it (its
//     validation is quadratic in the fields of a selection set): it parses with
//     a token limit and refuses a document that names too many fields once
//     its fragments are expanded, or nests them too deeply.
//   - [Cost] runs on the validated operation with its variables: a field
//     costs 1 plus its children, and the children of a list are paid once
//     per row it may return — a connection's first/last (or the default
//     page), the IDs of nodes(ids:), a plain list's declared cap — so nested
//     lists multiply and aliases add up. A field whose resolver works over
//     many rows whatever is selected under it (a report, a review, a search)
//     also pays that work, as the caller declares it. The fields that read
//     from the database (root fields, connections, lists of objects, fields
//     with work) are counted where they stand in the document, and bounded,
//     so that aliases cannot repeat a statement without end. It also bounds every
//     argument value (nesting, number of items, string length).
//   - Introspection is paid by its own rule: the schema is the server's,
//     fixed and in memory, so its lists (a type's fields, a field's
//     arguments…) count one row each, and its size bounds the answer; but
//     a type's lists (fields, inputFields, enumValues, interfaces,
//     possibleTypes) may not be selected under another type's, the nesting
//     that makes an introspection answer grow exponentially, and an
//     operation selects at most MaxIntrospectionLists introspection lists
//     (fragments counted where spread), so that aliases cannot repeat walks
//     of the whole schema. The standard introspection query (GraphiQL's,
//     graphql-js's) nests none and selects nine.
//
// The package knows nothing of Rapport's schema beyond those conventions; the
// caller supplies the caps of plain lists.
package querycost

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// Limits are the bounds one operation must stay within.
type Limits struct {
	MaxTokens      int // lexical tokens of the document
	MaxFields      int // fields of the document, fragments expanded where spread
	MaxDepth       int // nesting of selections
	MaxCost        int // see Cost
	MaxReads       int // fields that read from the database (root fields, connections, lists of objects, fields with work), counted where they stand in the document
	DefaultPage    int // rows of a connection asked for neither first nor last
	StatementCost  int // extra cost of a field that reads rows (a connection or a list of objects)
	MaxInputDepth  int // nesting of objects and lists in one argument
	MaxInputItems  int // values in one argument, all levels together
	MaxInputString int // characters of one string in an argument
}

// ListCaps gives the most rows a plain list field ("Type.field") returns;
// ok is false for a list without a declared cap.
type ListCaps func(typeName, field string) (n int, ok bool)

// Work gives the rows a field's resolver reads or computes whatever is
// selected under it (a report, a review, a search: work its selection does
// not show); ok is false for a field whose rows pay for what it does.
type Work func(typeName, field string) (rows int, ok bool)

// Error is a refusal: the operation is over one of the limits.
type Error struct {
	Reason  string // COST, READS, FIELDS, DEPTH, TOKENS or INPUT
	Message string
}

func (e *Error) Error() string { return e.Message }

func refuse(reason, format string, args ...any) *Error {
	return &Error{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// CheckDocument parses query with the token limit and checks its size and
// depth. A document that does not parse is not refused here: the caller's
// parser reports the syntax error in its own words.
func CheckDocument(query string, l Limits) error {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, l.MaxTokens)
	if err != nil {
		if strings.Contains(err.Error(), "exceeded token limit") {
			return refuse("TOKENS", "the query is too large: over %d tokens", l.MaxTokens)
		}
		return nil
	}
	s := shape{doc: doc, limit: l.MaxFields, frags: map[string]size{}}
	var total size
	for _, op := range doc.Operations {
		total = total.add(s.of(op.SelectionSet, map[string]bool{}))
	}
	for _, f := range doc.Fragments { // validated even when unused
		total = total.add(s.of(f.SelectionSet, map[string]bool{f.Name: true}))
	}
	switch {
	case l.MaxFields > 0 && total.fields > l.MaxFields:
		return refuse("FIELDS", "the query names more than %d fields (fragments counted where they are spread)", l.MaxFields)
	case l.MaxDepth > 0 && total.depth > l.MaxDepth:
		return refuse("DEPTH", "the query nests fields more than %d deep", l.MaxDepth)
	}
	return nil
}

// size is the number of fields a selection set names and how deep it nests.
type size struct{ fields, depth int }

func (a size) add(b size) size { return size{a.fields + b.fields, max(a.depth, b.depth)} }

type shape struct {
	doc   *ast.QueryDocument
	limit int
	frags map[string]size // memo: fan-out through fragments stays linear
}

func (s *shape) of(set ast.SelectionSet, visiting map[string]bool) size {
	var out size
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			child := s.of(sel.SelectionSet, visiting)
			out = out.add(size{1 + child.fields, 1 + child.depth})
		case *ast.InlineFragment:
			out = out.add(s.of(sel.SelectionSet, visiting))
		case *ast.FragmentSpread:
			out = out.add(s.fragment(sel.Name, visiting))
		}
		if s.limit > 0 && out.fields > s.limit {
			return out // saturate: the count only needs to exceed the limit
		}
	}
	return out
}

func (s *shape) fragment(name string, visiting map[string]bool) size {
	if sz, ok := s.frags[name]; ok {
		return sz
	}
	f := s.doc.Fragments.ForName(name)
	if f == nil || visiting[name] {
		return size{} // unknown or cyclic: validation refuses it
	}
	visiting[name] = true
	sz := s.of(f.SelectionSet, visiting)
	delete(visiting, name)
	s.frags[name] = sz
	return sz
}

// Cost returns the cost of op with vars, or an *Error when it exceeds
// l.MaxCost, reads more than l.MaxReads times, or an argument exceeds the
// input limits. op must have been validated against the schema (its fields
// carry their definitions). A field's own work (work) is paid once per row
// of its parents, like its children.
func Cost(op *ast.OperationDefinition, vars map[string]any, l Limits, caps ListCaps, work Work) (int, error) {
	c := coster{l: l, caps: caps, work: work, vars: vars}
	n := c.set(op.SelectionSet, 0)
	if c.err != nil {
		return n, c.err
	}
	if n > l.MaxCost {
		return n, refuse("COST", "the query may cost %d, over the limit of %d: ask for smaller pages (first/last) or fewer nested lists", n, l.MaxCost)
	}
	if l.MaxReads > 0 && c.reads > l.MaxReads {
		return n, refuse("READS", "the query reads from the database in %d places, over the limit of %d: send fewer aliases or lists in one operation", c.reads, l.MaxReads)
	}
	return n, nil
}

type coster struct {
	l     Limits
	caps  ListCaps
	work  Work
	vars  map[string]any
	err   error
	reads int // fields that read, where they stand in the document
	// typeLists is how many of a __Type's lists the current path is in;
	// lists, how many introspection lists the operation selected so far.
	typeLists, lists int
}

// saturating keeps sums and products from overflowing.
const saturating = 1 << 40

func (c *coster) set(set ast.SelectionSet, depth int) int {
	total := 0
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			total += c.field(sel, depth)
		case *ast.InlineFragment:
			total += c.set(sel.SelectionSet, depth)
		case *ast.FragmentSpread:
			if sel.Definition != nil {
				total += c.set(sel.Definition.SelectionSet, depth)
			}
		}
		total = min(total, saturating)
	}
	return total
}

func (c *coster) field(f *ast.Field, depth int) int {
	if f.Definition == nil {
		return 1 // __typename and other meta fields
	}
	args := f.ArgumentMap(c.vars)
	for name, v := range args {
		if err := c.input(v); err != nil && c.err == nil {
			c.err = refuse("INPUT", "argument %s of %s: %s", name, f.Name, err)
		}
	}
	if f.ObjectDefinition != nil && strings.HasPrefix(f.ObjectDefinition.Name, "__") {
		return c.introspection(f, depth)
	}
	children := c.set(f.SelectionSet, depth+1)
	rows, reads := c.rows(f, args)
	cost := 1 + min(rows*children, saturating)
	if w, ok := c.work(parentOf(f), f.Name); ok {
		cost += w
		reads = true
	}
	if depth == 0 && !strings.HasPrefix(f.Name, "__") {
		reads = true // a root field is a statement at least (viewer, node, every mutation)
	}
	if reads {
		cost += c.l.StatementCost
		c.reads++
	}
	return min(cost, saturating)
}

// typeLists are the lists of __Type that list other types or their members.
var typeLists = map[string]bool{"fields": true, "inputFields": true, "enumValues": true, "interfaces": true, "possibleTypes": true}

// MaxIntrospectionLists bounds the introspection lists (a schema's types
// or directives, a type's fields…, a field's arguments) one operation
// selects: each may walk the whole schema once.
const MaxIntrospectionLists = 20

// introspection costs a field of an introspection type: one per field, its
// lists counted as one row (see the package comment).
func (c *coster) introspection(f *ast.Field, depth int) int {
	if f.Definition.Type.Elem != nil && len(f.SelectionSet) > 0 {
		c.lists++
		if c.lists > MaxIntrospectionLists && c.err == nil {
			c.err = refuse("INTROSPECTION", "introspection may select at most %d lists (types, fields, arguments…) in one operation", MaxIntrospectionLists)
		}
	}
	if f.ObjectDefinition.Name == "__Type" && typeLists[f.Name] {
		if c.typeLists > 0 && c.err == nil {
			c.err = refuse("INTROSPECTION", "introspection may not select a type's %s under another type's fields, interfaces or possible types", f.Name)
		}
		c.typeLists++
		defer func() { c.typeLists-- }()
	}
	return 1 + c.set(f.SelectionSet, depth+1)
}

// rows is how many times a field's children are resolved, and whether the
// field reads rows from the database.
func (c *coster) rows(f *ast.Field, args map[string]any) (int, bool) {
	def := f.Definition
	if def.Arguments.ForName("first") != nil || def.Arguments.ForName("last") != nil {
		first, hasFirst := asInt(args["first"])
		last, hasLast := asInt(args["last"])
		switch {
		case hasFirst || hasLast:
			return max(first, last, 0), true
		default:
			return c.l.DefaultPage, true
		}
	}
	if def.Type.Elem == nil {
		return 1, false
	}
	if f.ObjectDefinition != nil && strings.HasSuffix(f.ObjectDefinition.Name, "Connection") {
		return 1, false // a Relay connection's edges or nodes: paid for by the connection
	}
	if ids, ok := args["ids"].([]any); ok {
		return len(ids), true
	}
	if len(f.SelectionSet) == 0 {
		return 1, false // a list of scalars or enums
	}
	if n, ok := c.caps(parentOf(f), f.Name); ok {
		return n, true
	}
	return c.l.DefaultPage, true
}

// parentOf is the name of the type a field belongs to.
func parentOf(f *ast.Field) string {
	if f.ObjectDefinition == nil {
		return ""
	}
	return f.ObjectDefinition.Name
}

func asInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(min(n, saturating)), true
	case int32:
		return int(n), true
	case float64:
		return int(min(n, saturating)), true
	}
	return 0, false
}

// input checks one argument value against the input limits.
func (c *coster) input(v any) error {
	items := 0
	var walk func(v reflect.Value, depth int) error
	walk = func(v reflect.Value, depth int) error {
		for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return nil
			}
			v = v.Elem()
		}
		items++
		if c.l.MaxInputItems > 0 && items > c.l.MaxInputItems {
			return fmt.Errorf("more than %d values", c.l.MaxInputItems)
		}
		switch v.Kind() {
		case reflect.String:
			if c.l.MaxInputString > 0 && len(v.String()) > c.l.MaxInputString && utf8.RuneCountInString(v.String()) > c.l.MaxInputString {
				return fmt.Errorf("a text longer than %d characters", c.l.MaxInputString)
			}
		case reflect.Map, reflect.Slice, reflect.Array:
			if c.l.MaxInputDepth > 0 && depth >= c.l.MaxInputDepth {
				return fmt.Errorf("nested more than %d levels deep", c.l.MaxInputDepth)
			}
			if v.Kind() == reflect.Map {
				for it := v.MapRange(); it.Next(); {
					if err := walk(it.Value(), depth+1); err != nil {
						return err
					}
				}
				return nil
			}
			if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
				return nil // bytes
			}
			for i := range v.Len() {
				if err := walk(v.Index(i), depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(reflect.ValueOf(v), 0)
}
