package pubdata

import (
	"math"
	"time"
)

// Aggregates of an entry's table, computed by the database over every row a read selects
// (the entry page's chart and map): rows grouped by a column, and rows with coordinates
// counted in the cells of a grid. They run through the one read path like rows (package
// access): the caller's columns, masks, grant filter and frozen rows apply, and only columns
// the caller reads in clear may be grouped, summed or placed.

// Bounds of an aggregate's answer.
const (
	MaxGroups    = 40000 // groups of one grouping (over a century of days)
	MaxGridCells = 4096  // cells of a grid (columns × rows)
)

// Prefixes of a date or datetime's stored text (2006-01-02T15:04:05…) that group its rows
// by year, month, day or hour.
const (
	PrefixYear  = 4
	PrefixMonth = 7
	PrefixDay   = 10
	PrefixHour  = 13
)

// RowGrouping asks for a table's rows grouped by one column (NULLs left out).
type RowGrouping struct {
	Column string // a string, date or datetime column; "" groups every row into one group ("")
	// Prefix > 0 groups a date or datetime column by the first Prefix characters of its
	// text: PrefixYear, PrefixMonth, PrefixDay or PrefixHour.
	Prefix int
	// Sum is a number or integer column summed in each group ("": none).
	Sum string
	// ByRows orders the groups by their rows, most first (then by key); else by key, the
	// greatest (the newest) first.
	ByRows bool
	Limit  int // the most groups returned, 1 to MaxGroups
	// Clamp, when set, clamps every Sum value into [Clamp[0], Clamp[1]] before summing (the
	// noisy aggregates of usable-but-invisible entries).
	Clamp *[2]float64
	// Bins > 0 (with Clamp) also counts each group's clamped Sum values into Bins equal-width
	// bins over the clamp range (RowGroup.Hist).
	Bins int
	// More are further number or integer columns summed in each group by the same statement
	// (RowGroup.More, in this order): the aggregates of several measures in one scan.
	More []RowSum
}

// RowSum is a column summed in each group, its values clamped into Clamp when set.
type RowSum struct {
	Column string
	Clamp  *[2]float64
}

// RowFigure is a RowSum's figures in one group: the rows with a value and their sum.
type RowFigure struct {
	N   int64
	Sum float64
}

// RowGroup is one group of a grouping.
type RowGroup struct {
	Key  string
	Rows int64       // the group's rows
	N    int64       // its rows with a value of Sum
	Sum  float64     // the sum of those values
	Hist []int64     // with RowGrouping.Bins: the counts of the bins
	More []RowFigure // with RowGrouping.More: their figures, in its order
}

// Mean is the average of the group's Sum values (0 without any).
func (g RowGroup) Mean() float64 {
	if g.N == 0 {
		return 0
	}
	return g.Sum / float64(g.N)
}

// RowGrid asks for the rows with coordinates (longitude X, latitude Y, in degrees; rows
// outside -180…180, -90…90 or without both are left out) counted in the cells of a grid laid
// over their extent.
type RowGrid struct {
	X, Y       string // number columns
	Cols, Rows int    // the grid's most columns and rows (Cols × Rows ≤ MaxGridCells)
}

// Grid is the answer of a RowGrid: the rows' extent, the cells' size and the cells that
// hold rows.
type Grid struct {
	Points                   int64 // rows with coordinates
	West, South, East, North float64
	Cols, Rows               int
	CellW, CellH             float64 // a cell's width and height in degrees
	Cells                    []GridCell
}

// GridCell is a cell of a grid holding rows: its column (from the west) and row (from the
// south), its rows and their mean position.
type GridCell struct {
	Col, Row int
	Points   int64
	X, Y     float64
}

// GridLayout sizes a grid of at most cols × rows cells over an extent: cells of equal size,
// a tiny extent (one point) kept at one cell.
func GridLayout(west, south, east, north float64, cols, rows int) (cellW, cellH float64) {
	const least = 1e-9
	cellW = math.Max((east-west)/float64(max(cols, 1)), least)
	cellH = math.Max((north-south)/float64(max(rows, 1)), least)
	return cellW, cellH
}

// Cell is the column and row of a point in a grid laid from (west, south), clamped to the
// grid (a point on the east or north edge belongs to the last cell).
func (g *Grid) Cell(x, y float64) (int, int) {
	c := int(math.Floor((x - g.West) / g.CellW))
	r := int(math.Floor((y - g.South) / g.CellH))
	return min(max(c, 0), g.Cols-1), min(max(r, 0), g.Rows-1)
}

// Aggregate summaries (issue 16, Performance): the exact per-group figures of an entry's
// current rows, kept in the database per table generation and computed in one scan after
// the table changes (sqlstore/aggsummary.go). A grouping of every current row (no filter) is
// answered from them when they cover it, with the same figures GroupRows computes.

// SummaryState says how a grouping fared against the kept summary.
type SummaryState int

const (
	// SummaryServed: the groups were read from the summary.
	SummaryServed SummaryState = iota
	// SummaryMissing: the entry has no summary yet (build one).
	SummaryMissing
	// SummaryStale: the summary is of an older generation of the table (the table, its
	// columns, the rows frozen by objections or the entry's group columns changed since):
	// it is not read; build it again.
	SummaryStale
	// SummaryUncovered: the summary is current but cannot answer this grouping (a column it
	// does not hold, or bounds narrower than the values of a column whose values it does
	// not list): scan.
	SummaryUncovered
)

func (s SummaryState) String() string {
	switch s {
	case SummaryServed:
		return "served"
	case SummaryMissing:
		return "missing"
	case SummaryStale:
		return "stale"
	case SummaryUncovered:
		return "uncovered"
	}
	return "unknown"
}

// AggregateSummary describes a built summary.
type AggregateSummary struct {
	Entry    string
	Stamp    string   // the table generation it belongs to
	Built    bool     // false: the kept summary was already current
	Rows     int64    // rows scanned
	Groups   []string // group columns covered ("" is every row as one group)
	Measures []string // number and integer columns summarised
	Listed   int      // (group column, measure) pairs whose distinct values are all kept
	Values   int64    // distinct values kept
	Took     time.Duration
}
