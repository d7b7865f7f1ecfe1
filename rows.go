package pubdata

import (
	"slices"
	"strconv"
	"strings"
)

// Row queries: GET /api/v1/entries/{id}/rows. Parameters starting with _ are reserved; any
// other names a column and filters it (col=v, col__gt=v …).

// Row filter operators.
const (
	OpEq       = "eq"
	OpNe       = "ne"
	OpGt       = "gt"
	OpGte      = "gte"
	OpLt       = "lt"
	OpLte      = "lte"
	OpIn       = "in"
	OpContains = "contains"
	OpPrefix   = "prefix"
	OpNull     = "null"
)

var rowOps = []string{OpNe, OpGt, OpGte, OpLt, OpLte, OpIn, OpContains, OpPrefix, OpNull}

// Row page sizes: DefaultRowLimit rows when none is asked, at most MaxRowLimit a page.
const (
	DefaultRowLimit = 100
	MaxRowLimit     = 32000
)

// RowFilter is one condition: Column Op Values (typed by the column's item; one value
// except for in; a bool for null).
type RowFilter struct {
	Column string
	Op     string
	Values []any
}

// RowID names, in a RowQuery's filters and sort keys, the row's own number instead of a
// column: a positive integer that identifies the current row across requests and loads (a
// load that does not touch a row leaves its number; a row a load writes is a new row with a
// new, greater number). Item names cannot start with "_", so it names no column. It is
// CKAN's datastore "_id".
const RowID = "_id"

// SortKey orders rows by a column.
type SortKey struct {
	Column string
	Desc   bool
}

// RowQuery selects rows of an entry's table.
type RowQuery struct {
	Fields  []string // columns to return, in order; empty: every item
	Filters []RowFilter
	Q       string // full text: rows where any string column contains it
	// SearchColumns, when not nil, are the only columns Q searches (a reader's unmasked
	// ones: a masked column must not be probed by full text); nil searches every string
	// column.
	SearchColumns []string
	Sort          []SortKey
	Limit         int // rows a page; 0: every row (downloads), with no next cursor
	Cursor        string
	AsOf          string // a batch id: the table as it was right after that batch
	// Offset skips rows (CKAN's datastore_search only; the API pages by cursor).
	Offset int
	// Total asks for the number of matching rows (CKAN include_total).
	Total bool
	// WithRowID passes each row's number (RowID, an int64) to the reader before its values.
	WithRowID bool
	// Distinct returns each distinct row of the columns once (CKAN's distinct): the rows
	// have no number then (no WithRowID, no RowID sort) and pages go by Offset (no cursor);
	// the sort keys must be among the columns.
	Distinct bool
	// CountLimit > 0 bounds a count: it stops past CountLimit rows (CountLimit+1 then
	// means "more than CountLimit").
	CountLimit int
	// WrittenBy > 0 selects the rows the table's batch of that number wrote (current or
	// since superseded), SupersededBy > 0 those it superseded, instead of the current rows:
	// what one batch changed, for flow-back to a child platform (access.Reader.FlowBack;
	// never set from a request's parameters).
	WrittenBy    int64
	SupersededBy int64
	// CurrentAfter > 0 selects the rows current right after the table's batch of that
	// number (as AsOf does by the batch's id): a keyless table's flow-back, which sends the
	// division's whole rows at each batch (never set from a request's parameters).
	CurrentAfter int64
}

// rowReserved are the reserved parameters ParseRowQuery knows; the others (_format, _bom,
// _key) are the caller's, passed in skip.
var rowReserved = []string{"_fields", "_sort", "_limit", "_cursor", "_q", "_as_of"}

// ParseRowQuery reads the query parameters of a rows request against the entry's items.
// Parameters in skip are ignored (the caller's own, such as _format). page is false for a
// download (no _limit means every row). Every problem names its parameter.
func ParseRowQuery(items []Item, params map[string][]string, skip []string, page bool) (*RowQuery, error) {
	q := &RowQuery{}
	byName := map[string]Item{}
	for _, it := range items {
		byName[it.Name] = it
	}
	var problems []*Error
	bad := func(field, format string, args ...any) *Error {
		e := FieldErrorf(field, format, args...)
		problems = append(problems, e)
		return e
	}
	one := func(name string) string {
		v := params[name]
		if len(v) == 0 {
			return ""
		}
		return v[len(v)-1]
	}
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if slices.Contains(skip, name) || slices.Contains(rowReserved, name) {
			continue
		}
		if strings.HasPrefix(name, "_") {
			bad(name, "Parameter %s is not known; reserved parameters are %s.", name, strings.Join(rowReserved, ", ")).
				Keyed("error.rows.param.unknown", "Name", name, "Reserved", strings.Join(rowReserved, ", "))
			continue
		}
		col, op := name, OpEq
		if i := strings.Index(name, "__"); i > 0 {
			col, op = name[:i], name[i+2:]
			if !slices.Contains(rowOps, op) {
				bad(name, "Filter %s: operator %q is not one of %s.", name, op, strings.Join(rowOps, ", ")).
					Keyed("error.rows.filter.operator", "Name", name, "Op", op, "Ops", strings.Join(rowOps, ", "))
				continue
			}
		}
		it, ok := byName[col]
		if !ok {
			bad(name, "Filter %s: the table has no column %q.", name, col).Keyed("error.rows.filter.column", "Name", name, "Column", col)
			continue
		}
		for _, raw := range params[name] {
			f, err := parseRowFilter(it, op, raw)
			if err != nil {
				bad(name, "Filter %s: %s", name, err.Message).Keyed("error.rows.filter.value", "Name", name, "Problem", MessageOf(err))
				continue
			}
			q.Filters = append(q.Filters, f)
		}
	}
	if s := one("_fields"); s != "" {
		for _, c := range strings.Split(s, ",") {
			c = strings.TrimSpace(c)
			if _, ok := byName[c]; !ok {
				bad("_fields", "_fields: the table has no column %q.", c).Keyed("error.rows.fields.column", "Column", c)
				continue
			}
			if !slices.Contains(q.Fields, c) {
				q.Fields = append(q.Fields, c)
			}
		}
	}
	if s := one("_sort"); s != "" {
		for _, c := range strings.Split(s, ",") {
			c = strings.TrimSpace(c)
			k := SortKey{Column: strings.TrimPrefix(c, "-"), Desc: strings.HasPrefix(c, "-")}
			if _, ok := byName[k.Column]; !ok {
				bad("_sort", "_sort: the table has no column %q.", k.Column).Keyed("error.rows.sort.column", "Column", k.Column)
				continue
			}
			q.Sort = append(q.Sort, k)
		}
	}
	if page {
		q.Limit = DefaultRowLimit
	}
	if s := one("_limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxRowLimit {
			bad("_limit", "_limit must be a whole number from 1 to %d.", MaxRowLimit).Keyed("error.rows.limit", "Max", MaxRowLimit)
		} else {
			q.Limit = n
		}
	}
	q.Cursor = one("_cursor")
	q.Q = strings.TrimSpace(one("_q"))
	q.AsOf = one("_as_of")
	if err := invalid(problems); err != nil {
		return nil, err
	}
	return q, nil
}

// parseRowFilter reads one filter's value for the item.
func parseRowFilter(it Item, op, raw string) (RowFilter, *Error) {
	f := RowFilter{Column: it.Name, Op: op}
	switch op {
	case OpNull:
		switch strings.ToLower(strings.TrimSpace(raw)) {
		case "true", "1":
			f.Values = []any{true}
		case "false", "0":
			f.Values = []any{false}
		default:
			return f, Errorf(EINVALID, "the value must be true or false.").Keyed("error.rows.value.null")
		}
		return f, nil
	case OpContains, OpPrefix:
		if it.Type != "string" {
			return f, Errorf(EINVALID, "%s works on text columns only; %s is %s.", op, it.Name, it.Type).
				Keyed("error.rows.value.text_only", "Op", op, "Name", it.Name, "Type", it.Type)
		}
		if raw == "" {
			return f, Errorf(EINVALID, "the value is empty.").Keyed("error.rows.value.empty")
		}
		f.Values = []any{raw}
		return f, nil
	case OpIn:
		parts := strings.Split(raw, ",")
		if len(parts) > 1000 {
			return f, Errorf(EINVALID, "at most 1000 values.").Keyed("error.rows.value.too_many")
		}
		for _, p := range parts {
			v, err := ParseItemValue(it.Type, p)
			if err != nil {
				return f, Errorf(EINVALID, "a value %s", err.(*Error).Message).Keyed("error.rows.value.one", "Problem", MessageOf(err))
			}
			f.Values = append(f.Values, v)
		}
		return f, nil
	}
	v, err := ParseItemValue(it.Type, raw)
	if err != nil {
		return f, Errorf(EINVALID, "the value %s", err.(*Error).Message).Keyed("error.rows.value.bad", "Problem", MessageOf(err))
	}
	f.Values = []any{v}
	return f, nil
}

// KeyFilters turns a key lookup (the key items' values, comma-separated in item order) into
// equality filters; EINVALID when the entry has no key or the count or a value is wrong.
func KeyFilters(items []Item, raw string) ([]RowFilter, error) {
	keys := KeyItems(items)
	if len(keys) == 0 {
		return nil, FieldErrorf("_key", "The table has no key columns, so rows cannot be looked up by key.").Keyed("error.rows.key.none")
	}
	parts := []string{raw}
	if len(keys) > 1 {
		parts = strings.Split(raw, ",")
	}
	if len(parts) != len(keys) {
		return nil, FieldErrorf("_key", "The key has %d columns; give %d comma-separated values.", len(keys), len(keys)).
			Keyed("error.rows.key.count", "Columns", len(keys))
	}
	out := make([]RowFilter, len(keys))
	for i, k := range keys {
		v, err := ParseItemValue(items[k].Type, parts[i])
		if err != nil {
			return nil, FieldErrorf("_key", "Key column %s: the value %s", items[k].Name, err.(*Error).Message).
				Keyed("error.rows.key.value", "Name", items[k].Name, "Problem", MessageOf(err))
		}
		out[i] = RowFilter{Column: items[k].Name, Op: OpEq, Values: []any{v}}
	}
	return out, nil
}
