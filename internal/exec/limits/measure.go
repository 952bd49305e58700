package limits

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/roomgraph/roomgraph/internal/model/nodeid"
)

// Saturated is the largest figure Measure reports: counts that would exceed it (fragments spread n times
// in n nested fragments grow as n^n) stop there instead of overflowing.
const Saturated = math.MaxInt32

// Stats are the measured figures of one operation, the ones the limits compare with.
type Stats struct {
	// Depth is the deepest nesting of fields (fragments expanded; __typename and the inside of
	// __schema/__type not counted).
	Depth int `json:"depth"`
	// Aliases counts aliased fields, fragments expanded.
	Aliases int `json:"aliases"`
	// RootFields counts the operation's top-level fields, fragments expanded, __typename not counted.
	RootFields int `json:"rootFields"`
	// Representations counts the representations given to _entities fields (federation), all of them.
	Representations int `json:"representations"`
	// Cost is the predicted worst-case number of upstream calls.
	Cost int `json:"cost"`
}

// Cost returns the number of upstream calls op could make in the worst case: each field of the cost
// table (CostTable) costs its calls once per instance, and instances multiply down the tree by the page
// size under a connection (first/last, literal or variable, else DefaultFirst; min(first, last) when
// both; clamped to 0..MaxFirst) and by ListFanOut under a plain list. Aliases and repeated fields count
// separately, fragments are expanded and @skip/@include are honoured. _entities (federation) costs, for
// each distinct (__typename, id) of its representations, that type's fetch (FieldCost.Entities) and what
// its selection costs on that type. cfg's zero knobs take their defaults. op must come from a document validated against schema (fragment spreads resolved); anything
// it cannot resolve counts as nothing rather than failing.
func Cost(schema *ast.Schema, op *ast.OperationDefinition, vars map[string]any, cfg Config) int {
	return Measure(schema, op, vars, cfg).Cost
}

// Measure returns every figure the limits check, in one walk. See Cost for the rules.
func Measure(schema *ast.Schema, op *ast.OperationDefinition, vars map[string]any, cfg Config) Stats {
	return measure(schema, newCostIndex(), cfg.Defaults(), op, vars)
}

func measure(schema *ast.Schema, costs costIndex, cfg Config, op *ast.OperationDefinition, vars map[string]any) Stats {
	s, _ := measureVars(schema, costs, cfg, op, vars)
	return s
}

// measureVars is measure, and whether the figures depend on the variables.
func measureVars(schema *ast.Schema, costs costIndex, cfg Config, op *ast.OperationDefinition, vars map[string]any) (Stats, bool) {
	if schema == nil || op == nil {
		return Stats{}, false
	}
	w := walker{schema: schema, costs: costs, cfg: cfg, op: op, vars: vars}
	var root *ast.Definition
	switch op.Operation {
	case ast.Mutation:
		root = schema.Mutation
	case ast.Subscription:
		root = schema.Subscription
	default:
		root = schema.Query
	}
	t := w.selectionSet(op.SelectionSet, root, scope{listSize: cfg.ListFanOut})
	return Stats{Depth: t.depth, Aliases: t.aliases, RootFields: t.fields, Representations: t.reps, Cost: t.cost}, w.usedVars
}

// tally is what a selection set adds up to, relative to where it stands: depth below it, fields directly
// in it (through fragments). once holds the calls of back-references (FieldCost.BackRef) found directly
// in a list's item selection: the list adds them once rather than once per item. reps counts _entities
// representations.
type tally struct{ cost, once, depth, aliases, fields, reps int }

func (t *tally) add(u tally) {
	t.cost = satAdd(t.cost, u.cost)
	t.once = satAdd(t.once, u.once)
	t.aliases = satAdd(t.aliases, u.aliases)
	t.fields = satAdd(t.fields, u.fields)
	t.reps = satAdd(t.reps, u.reps)
	t.depth = max(t.depth, u.depth)
}

// scope is what a selection set's direct fields inherit from the field that holds it: the multiplier of
// their list fields (a page size straight under a connection, else ListFanOut) and the name of the field
// that refers back to the parent of a list (FieldCost.BackRef).
type scope struct {
	listSize int
	backRef  string
}

// spreadKey memoizes a fragment's tally: it depends only on the fragment, the type it selects from and
// the scope it is spread in, because variables are fixed for the walk. The memo keeps the walk linear in
// the document's size.
type spreadKey struct {
	frag *ast.FragmentDefinition
	on   *ast.Definition
	sc   scope
}

// beyondKey memoizes whether a fragment selects a field outside the FetchUnless set of a table entry.
type beyondKey struct {
	frag  *ast.FragmentDefinition
	entry fieldKey
}

type walker struct {
	schema *ast.Schema
	costs  costIndex
	cfg    Config
	op     *ast.OperationDefinition
	vars   map[string]any
	// usedVars is set when a figure depended on a variable (then it holds for these variables only).
	usedVars bool

	spreads map[spreadKey]tally
	beyonds map[beyondKey]bool
	// active holds the fragments being walked: a cycle (only in documents that failed validation) is cut
	// instead of recursing until the stack overflows.
	active map[*ast.FragmentDefinition]bool
}

// selectionSet walks set on an object of type parent.
func (w *walker) selectionSet(set ast.SelectionSet, parent *ast.Definition, sc scope) tally {
	var t tally
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if !w.skipped(sel.Directives) {
				t.add(w.field(sel, parent, sc))
			}
		case *ast.InlineFragment:
			if w.skipped(sel.Directives) {
				continue
			}
			if typ, ok := w.narrow(parent, sel.TypeCondition); ok {
				t.add(w.selectionSet(sel.SelectionSet, typ, sc))
			}
		case *ast.FragmentSpread:
			if !w.skipped(sel.Directives) && sel.Definition != nil {
				if typ, ok := w.narrow(parent, sel.Definition.TypeCondition); ok {
					t.add(w.spread(sel.Definition, typ, sc))
				}
			}
		}
	}
	return t
}

// narrow returns the type a fragment with type condition cond selects from where the selection is on
// parent, and false when the fragment never applies there. Only an object parent narrows, to itself: a
// fragment on a union or interface holding it selects from it, a fragment on another object type never
// applies. _entities' selection is walked once per entity type this way, so that `... on RoomSession`
// costs nothing for a Room representation. Elsewhere validation leaves nothing to narrow.
func (w *walker) narrow(parent *ast.Definition, cond string) (*ast.Definition, bool) {
	if cond == "" {
		return parent, true
	}
	typ := w.schema.Types[cond]
	if parent == nil || typ == nil || typ == parent || parent.Kind != ast.Object {
		return typ, true
	}
	if typ.Kind == ast.Object {
		return nil, false
	}
	for _, p := range w.schema.GetPossibleTypes(typ) {
		if p == parent {
			return parent, true
		}
	}
	return nil, false
}

func (w *walker) spread(frag *ast.FragmentDefinition, on *ast.Definition, sc scope) tally {
	if frag == nil || w.active[frag] {
		return tally{}
	}
	key := spreadKey{frag, on, sc}
	if t, ok := w.spreads[key]; ok {
		return t
	}
	if w.active == nil {
		w.active = map[*ast.FragmentDefinition]bool{}
	}
	if w.spreads == nil {
		w.spreads = map[spreadKey]tally{}
	}
	w.active[frag] = true
	t := w.selectionSet(frag.SelectionSet, on, sc)
	delete(w.active, frag)
	w.spreads[key] = t
	return t
}

func (w *walker) field(f *ast.Field, parent *ast.Definition, sc scope) tally {
	var t tally
	if f.Alias != "" && f.Alias != f.Name {
		t.aliases = 1
	}
	if f.Name == "__typename" {
		return t
	}
	t.fields = 1
	def := f.Definition
	if parent != nil {
		if d := parent.Fields.ForName(f.Name); d != nil {
			def = d
		}
	}
	var child *ast.Definition
	if def != nil && def.Type != nil {
		child = w.schema.Types[def.Type.Name()]
	}
	if f.Name == "__schema" || f.Name == "__type" {
		// No upstream call, and gqlparser's MaxIntrospectionDepth rule already bounds the nesting that
		// matters; GraphiQL's own introspection query is deeper than MaxDepth's default. Aliases inside
		// still count.
		t.aliases = satAdd(t.aliases, w.selectionSet(f.SelectionSet, child, scope{listSize: w.cfg.ListFanOut}).aliases)
		t.depth = 1
		return t
	}
	if child == nil {
		// Unknown to the schema: only a document that failed validation gets here.
		t.depth = 1
		return t
	}

	var (
		rule FieldCost
		key  fieldKey
	)
	if parent != nil {
		key = fieldKey{parent.Name, f.Name}
		rule = w.costs[key]
	}
	if rule.Entities != nil {
		// Depth and aliases over every type's fragments; the cost per representation's type.
		sub := w.selectionSet(f.SelectionSet, child, scope{listSize: w.cfg.ListFanOut})
		t.cost, t.reps = w.entities(f, rule.Entities)
		t.depth = 1 + sub.depth
		t.aliases = satAdd(t.aliases, sub.aliases)
		return t
	}
	own := rule.Calls
	if rule.NodeArg != "" {
		own = satAdd(own, w.nodes(f, rule))
	}
	childScope := scope{listSize: w.cfg.ListFanOut, backRef: rule.BackRef}
	if rule.Connection {
		size, calls := w.window(f)
		own += calls
		childScope.listSize = size
	}
	if rule.FetchUnless != nil && w.beyond(f.SelectionSet, child, rule.FetchUnless, key) {
		if f.Name == sc.backRef {
			t.once = 1
		} else {
			own++
		}
	}
	sub := w.selectionSet(f.SelectionSet, child, childScope)

	mult := 1
	for typ, n := def.Type, sc.listSize; typ.Elem != nil; typ, n = typ.Elem, w.cfg.ListFanOut {
		mult = satMul(mult, n)
	}
	t.cost = satAdd(satAdd(own, satMul(mult, sub.cost)), sub.once)
	t.depth = 1 + sub.depth
	t.aliases = satAdd(t.aliases, sub.aliases)
	return t
}

// window returns a connection field's page size (what its nodes multiply by) and its calls.
func (w *walker) window(f *ast.Field) (size, calls int) {
	first, hasFirst := w.intArg(f, "first")
	last, hasLast := w.intArg(f, "last")
	_, hasBefore := w.arg(f, "before")
	fetched := w.cfg.DefaultFirst
	switch {
	case hasFirst && hasLast:
		// The first-window is fetched and its last items kept.
		fetched, size = first, min(first, last)
	case hasFirst:
		fetched, size = first, first
	case hasLast:
		fetched, size = last, last
	default:
		size = fetched
	}
	calls = windowCalls(fetched)
	if hasLast && !hasBefore {
		calls++ // the tail needs the total before its window can be placed
	}
	return size, calls
}

// windowCalls is how many upstream pages a window of n items may need: pagination.PlanPages fits any
// window of up to 125 items in one page of size <= 250; a longer one may straddle two.
func windowCalls(n int) int {
	if n <= maxUpstreamPageSize/2 {
		return 1
	}
	return (n+maxUpstreamPageSize-1)/maxUpstreamPageSize + 1
}

// beyond reports whether set, on an object of type on, selects a field outside free (and __typename).
// entry names the table entry (or the entity type) asking, which decides on: it keys the memo.
func (w *walker) beyond(set ast.SelectionSet, on *ast.Definition, free []string, entry fieldKey) bool {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if !w.skipped(sel.Directives) && sel.Name != "__typename" && !slices.Contains(free, sel.Name) {
				return true
			}
		case *ast.InlineFragment:
			if w.skipped(sel.Directives) {
				continue
			}
			if typ, ok := w.narrow(on, sel.TypeCondition); ok && w.beyond(sel.SelectionSet, typ, free, entry) {
				return true
			}
		case *ast.FragmentSpread:
			if w.skipped(sel.Directives) || sel.Definition == nil {
				continue
			}
			if typ, ok := w.narrow(on, sel.Definition.TypeCondition); ok && w.beyondSpread(sel.Definition, typ, free, entry) {
				return true
			}
		}
	}
	return false
}

func (w *walker) beyondSpread(frag *ast.FragmentDefinition, on *ast.Definition, free []string, entry fieldKey) bool {
	if frag == nil || w.active[frag] {
		return false
	}
	key := beyondKey{frag, entry}
	if b, ok := w.beyonds[key]; ok {
		return b
	}
	if w.active == nil {
		w.active = map[*ast.FragmentDefinition]bool{}
	}
	if w.beyonds == nil {
		w.beyonds = map[beyondKey]bool{}
	}
	w.active[frag] = true
	b := w.beyond(frag.SelectionSet, on, free, entry)
	delete(w.active, frag)
	w.beyonds[key] = b
	return b
}

// entityKey is one distinct representation. The id is kept with its dynamic type: two ids the resolver
// could read as one (5 and "5") count twice, never the other way round.
type entityKey struct {
	typename, idType, id string
}

// nodes returns what the global ids of a Query.node or Query.nodes field cost: per distinct id, the fetch
// of the type it names when the selection, narrowed to that type, goes beyond the type's keys. An id that
// is not a global id costs nothing (the resolver refuses it before any call); an id whose value is not
// known counts one call.
func (w *walker) nodes(f *ast.Field, rule FieldCost) int {
	a := f.Arguments.ForName(rule.NodeArg)
	if a == nil {
		return 0
	}
	v, _ := w.input(a.Value)
	ids, ok := v.([]any)
	if !ok {
		ids = []any{v}
	}
	calls := 0
	seen := make(map[string]bool, len(ids))
	for _, x := range ids {
		id, ok := x.(string)
		if !ok {
			calls = satAdd(calls, 1)
			continue
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		typ, _, err := nodeid.Decode(id)
		if err != nil {
			continue
		}
		cost, on := rule.Nodes[string(typ)], w.schema.Types[string(typ)]
		if on != nil && w.beyond(f.SelectionSet, on, cost.FetchUnless, fieldKey{"node", string(typ)}) {
			calls = satAdd(calls, 1)
		}
	}
	return calls
}

// entities returns what an _entities field costs and how many representations it was given. The
// selection is walked once per entity type present, on that type (fragments on other types left out),
// and counts once per distinct (__typename, id): every representation of a type shares the selection, and
// the per-operation loaders make one call per distinct need, so repeats add nothing. Representations of a
// type rules does not name (or without a __typename) cost nothing: gqlgen refuses them without a call.
func (w *walker) entities(f *ast.Field, rules map[string]FieldCost) (cost, reps int) {
	a := f.Arguments.ForName("representations")
	if a == nil {
		return 0, 0
	}
	v, _ := w.input(a.Value)
	var list []any
	switch v := v.(type) {
	case nil:
		return 0, 0
	case []any:
		list = v
	case []map[string]any:
		list = make([]any, len(v))
		for i, m := range v {
			list[i] = m
		}
	default:
		list = []any{v} // a single value where a list is expected is a list of one (input coercion)
	}
	distinct := map[entityKey]struct{}{}
	perType := map[string]int{}
	for _, rep := range list {
		m, _ := rep.(map[string]any)
		typename, _ := m["__typename"].(string)
		if _, ok := rules[typename]; !ok {
			continue
		}
		k := entityKey{typename: typename}
		if id, ok := m["id"].(string); ok {
			k.id = id
		} else {
			k.idType, k.id = fmt.Sprintf("%T", m["id"]), fmt.Sprint(m["id"])
		}
		if _, seen := distinct[k]; !seen {
			distinct[k] = struct{}{}
			perType[k.typename]++
		}
	}
	// By name, so that a saturated sum does not depend on map iteration.
	names := make([]string, 0, len(perType))
	for name := range perType {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		rule, on := rules[name], w.schema.Types[name]
		if on == nil {
			continue
		}
		sub := w.selectionSet(f.SelectionSet, on, scope{listSize: w.cfg.ListFanOut})
		each := satAdd(satAdd(rule.Calls, sub.cost), sub.once)
		if rule.FetchUnless != nil && w.beyond(f.SelectionSet, on, rule.FetchUnless, fieldKey{"_entities", name}) {
			each = satAdd(each, 1)
		}
		cost = satAdd(cost, satMul(perType[name], each))
	}
	return cost, min(len(list), Saturated)
}

// input resolves an input value of any shape: lists and input objects (with the variables inside them)
// as well as what value resolves.
func (w *walker) input(v *ast.Value) (any, bool) {
	if v == nil {
		return nil, false
	}
	switch v.Kind {
	case ast.Variable:
		w.usedVars = true
		if val, ok := w.vars[v.Raw]; ok {
			return val, true
		}
		if d := w.op.VariableDefinitions.ForName(v.Raw); d != nil && d.DefaultValue != nil && d.DefaultValue.Kind != ast.Variable {
			return w.input(d.DefaultValue)
		}
		return nil, false
	case ast.ListValue:
		out := make([]any, 0, len(v.Children))
		for _, c := range v.Children {
			x, _ := w.input(c.Value)
			out = append(out, x)
		}
		return out, true
	case ast.ObjectValue:
		out := make(map[string]any, len(v.Children))
		for _, c := range v.Children {
			if x, ok := w.input(c.Value); ok {
				out[c.Name] = x
			}
		}
		return out, true
	}
	return w.value(v)
}

// skipped applies @skip/@include; an `if` it cannot resolve keeps the selection (the safe side).
func (w *walker) skipped(dirs ast.DirectiveList) bool {
	for _, d := range dirs {
		if d.Name != "skip" && d.Name != "include" {
			continue
		}
		arg := d.Arguments.ForName("if")
		if arg == nil {
			continue
		}
		v, ok := w.value(arg.Value)
		b, isBool := v.(bool)
		if ok && isBool && b == (d.Name == "skip") {
			return true
		}
	}
	return false
}

// arg resolves a field argument; ok is false when it is absent or null.
func (w *walker) arg(f *ast.Field, name string) (any, bool) {
	a := f.Arguments.ForName(name)
	if a == nil {
		return nil, false
	}
	v, ok := w.value(a.Value)
	return v, ok && v != nil
}

// intArg resolves an Int argument clamped to 0..MaxFirst: the resolver refuses values outside that range
// before any call, so the clamp never undercounts a query that runs.
func (w *walker) intArg(f *ast.Field, name string) (int, bool) {
	v, ok := w.arg(f, name)
	if !ok {
		return 0, false
	}
	n, ok := toInt(v)
	if !ok {
		return 0, false
	}
	return int(min(max(n, 0), int64(w.cfg.MaxFirst))), true
}

// value resolves a literal or a variable (with the variable's default when it was not given).
func (w *walker) value(v *ast.Value) (any, bool) {
	if v == nil {
		return nil, false
	}
	if v.Kind == ast.Variable {
		w.usedVars = true
		if val, ok := w.vars[v.Raw]; ok {
			return val, true
		}
		if d := w.op.VariableDefinitions.ForName(v.Raw); d != nil && d.DefaultValue != nil && d.DefaultValue.Kind != ast.Variable {
			return w.value(d.DefaultValue)
		}
		return nil, false
	}
	switch v.Kind {
	case ast.IntValue:
		n, err := strconv.ParseInt(v.Raw, 10, 64)
		if err != nil {
			return nil, false
		}
		return n, true
	case ast.BooleanValue:
		return v.Raw == "true", true
	case ast.NullValue:
		return nil, true
	case ast.StringValue, ast.BlockValue, ast.EnumValue:
		return v.Raw, true
	}
	return nil, false
}

// toInt accepts what gqlgen's variable coercion and JSON decoding produce for an Int.
func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		if n != math.Trunc(n) || math.IsInf(n, 0) {
			return 0, false
		}
		return int64(max(min(n, math.MaxInt32), math.MinInt32)), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case string:
		i, err := strconv.ParseInt(n, 10, 64)
		return i, err == nil
	}
	return 0, false
}

func satAdd(a, b int) int {
	if a > Saturated-b {
		return Saturated
	}
	return a + b
}

func satMul(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > Saturated/b {
		return Saturated
	}
	return a * b
}
