package anonymise

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Table is microdata: a header and rows of the same width.
type Table struct {
	Columns []string
	Rows    [][]string
}

// Column returns the index of the named column, or -1.
func (t Table) Column(name string) int {
	for i, c := range t.Columns {
		if c == name {
			return i
		}
	}
	return -1
}

// Distinct returns the distinct values of column i.
func (t Table) Distinct(i int) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range t.Rows {
		if !seen[r[i]] {
			seen[r[i]] = true
			out = append(out, r[i])
		}
	}
	sort.Strings(out)
	return out
}

// LKind is the variant of l-diversity.
type LKind string

const (
	LDistinct LKind = "distinct" // each class holds at least l distinct sensitive values
	LEntropy  LKind = "entropy"  // each class's sensitive entropy is at least log(l)
)

// TKind is the ground distance of t-closeness.
type TKind string

const (
	TEqual   TKind = "equal"   // categorical values: half the total variation distance
	TOrdered TKind = "ordered" // values in their sort order (numbers sort numerically)
)

// QuasiIdentifier is a column generalised through its hierarchy.
type QuasiIdentifier struct {
	Column    string
	Hierarchy Hierarchy
}

// Sensitive is a column kept as it is whose values each class must keep diverse or close to
// the table's distribution. L = 0 and T = 0 switch the criteria off.
type Sensitive struct {
	Column string
	L      int
	LKind  LKind
	T      float64
	TKind  TKind
}

// Metric is the information-loss measure the search minimises.
type Metric string

const (
	MetricLoss           Metric = "loss"           // ARX's Loss: the mean generalisation of a cell, 0…1
	MetricDiscernibility Metric = "discernibility" // Σ|E|² over classes, |D| for each suppressed record
)

// Config is one anonymisation: the criteria and what to do with every column. Columns not
// named as quasi-identifier, sensitive or Keep are identifiers and are removed from the output.
type Config struct {
	QuasiIdentifiers []QuasiIdentifier
	Sensitive        []Sensitive
	Keep             []string
	K                int     // k-anonymity, at least 1
	SuppressionLimit float64 // the share of records that may be suppressed, 0…1
	Metric           Metric
	// RiskThreshold is the prosecutor risk above which a record counts as "at risk" in the
	// report; 0 means 1/K.
	RiskThreshold float64
	// Population, when given, is the population the table is a sample of (same columns):
	// the journalist and marketer risks are computed against it. Without it the table is its
	// own population, and those risks equal the prosecutor's average and highest.
	Population *Table
}

// Risk is the re-identification risk of the released records under one attacker model.
type Risk struct {
	Highest        float64 `json:"highest"`
	Average        float64 `json:"average"`
	RecordsAtRisk  float64 `json:"records_at_risk"` // share of records whose risk exceeds the threshold
	PopulationUsed bool    `json:"population_used,omitempty"`
}

// Report says what the anonymisation did and what it left.
type Report struct {
	Rows             int            `json:"rows"`
	Released         int            `json:"released"`
	Suppressed       int            `json:"suppressed"`
	SuppressedShare  float64        `json:"suppressed_share"`
	Classes          int            `json:"classes"`
	SmallestClass    int            `json:"smallest_class"`
	Levels           map[string]int `json:"levels"`  // the chosen generalisation level of each quasi-identifier
	Heights          map[string]int `json:"heights"` // the number of levels of each hierarchy
	Metric           Metric         `json:"metric"`
	Loss             float64        `json:"loss"`             // ARX Loss of the result, 0…1
	LossLowerBound   float64        `json:"loss_lower_bound"` // the same node's Loss without suppression
	Discernibility   float64        `json:"discernibility"`   // Σ|E|² + |S|·|D|
	DiscernibilityLB float64        `json:"discernibility_lower_bound"`
	NodesChecked     int            `json:"nodes_checked"`
	NodesAnonymous   int            `json:"nodes_anonymous"`
	Prosecutor       Risk           `json:"prosecutor"`
	Journalist       Risk           `json:"journalist"`
	Marketer         Risk           `json:"marketer"`
	RiskThreshold    float64        `json:"risk_threshold"`
	// Population says what the journalist and marketer risks were computed against: "given"
	// (Config.Population) or "sample" (the table is its own population: they then equal the
	// prosecutor's, an upper bound).
	Population string   `json:"population"`
	Criteria   []string `json:"criteria"`
}

// Result is the anonymised table and its report.
type Result struct {
	Table  Table
	Report Report
}

// ErrNoSolution is returned when no node of the lattice satisfies the criteria within the
// suppression limit.
var ErrNoSolution = errors.New("no generalisation satisfies the criteria within the suppression limit: raise the limit, lower k, l or t, or give coarser hierarchies")

type qi struct {
	col   int
	name  string
	enc   encoded
	shift uint
	mask  uint64
	codes []int32 // level-0 code of each row
}

type sens struct {
	Sensitive
	col    int
	values []string
	codes  []int32 // code of each row
	offset int     // offset of this attribute's counts in a class histogram
	global []float64
	order  []int // rank of each code in sort order (TOrdered)
}

type prepared struct {
	cfg    Config
	t      Table
	qis    []qi
	sens   []sens
	histW  int
	maxSup int
	// merge is up's index of the merged classes, emptied and reused by every call (a call
	// finishes with it before the next begins): allocating and growing a map per lattice
	// node was most of the search's time.
	merge map[uint64]int32
}

func prepare(t Table, cfg Config) (*prepared, error) {
	if cfg.K < 1 {
		return nil, fmt.Errorf("k is %d: k must be at least 1", cfg.K)
	}
	if cfg.SuppressionLimit < 0 || cfg.SuppressionLimit > 1 {
		return nil, fmt.Errorf("the suppression limit %g is not a share between 0 and 1", cfg.SuppressionLimit)
	}
	if len(cfg.QuasiIdentifiers) == 0 {
		return nil, errors.New("no quasi-identifier: name at least one column to generalise")
	}
	if cfg.Metric == "" {
		cfg.Metric = MetricLoss
	}
	if cfg.Metric != MetricLoss && cfg.Metric != MetricDiscernibility {
		return nil, fmt.Errorf("unknown metric %q (want loss or discernibility)", cfg.Metric)
	}
	if len(t.Rows) == 0 {
		return nil, errors.New("the table has no rows")
	}
	for i, r := range t.Rows {
		if len(r) != len(t.Columns) {
			return nil, fmt.Errorf("row %d has %d values, the header %d", i+1, len(r), len(t.Columns))
		}
	}
	p := &prepared{cfg: cfg, t: t}
	used := map[string]string{}
	claim := func(name, role string) (int, error) {
		i := t.Column(name)
		if i < 0 {
			return 0, fmt.Errorf("column %q is not in the table (columns: %s)", name, strings.Join(t.Columns, ", "))
		}
		if prev, ok := used[name]; ok {
			return 0, fmt.Errorf("column %q is named twice (as %s and as %s)", name, prev, role)
		}
		used[name] = role
		return i, nil
	}
	var shift uint
	for _, q := range cfg.QuasiIdentifiers {
		i, err := claim(q.Column, "quasi-identifier")
		if err != nil {
			return nil, err
		}
		if err := q.Hierarchy.Validate(); err != nil {
			return nil, fmt.Errorf("hierarchy of %q: %w", q.Column, err)
		}
		e := encode(q.Hierarchy)
		index := make(map[string]int32, len(e.values[0]))
		for c, v := range e.values[0] {
			index[v] = int32(c)
		}
		codes := make([]int32, len(t.Rows))
		for r, row := range t.Rows {
			c, ok := index[row[i]]
			if !ok {
				return nil, fmt.Errorf("row %d: value %q of %q is not in its hierarchy", r+1, row[i], q.Column)
			}
			codes[r] = c
		}
		p.qis = append(p.qis, qi{col: i, name: q.Column, enc: e, shift: shift, mask: 1<<e.bits - 1, codes: codes})
		shift += e.bits
	}
	if shift > 64 {
		return nil, fmt.Errorf("the quasi-identifiers have too many distinct values together (%d bits of codes, at most 64): generalise some beforehand or use fewer", shift)
	}
	for _, s := range cfg.Sensitive {
		i, err := claim(s.Column, "sensitive")
		if err != nil {
			return nil, err
		}
		if s.L < 0 || s.T < 0 || s.T > 1 {
			return nil, fmt.Errorf("sensitive %q: l must be ≥ 0 and t between 0 and 1", s.Column)
		}
		if s.LKind == "" {
			s.LKind = LDistinct
		}
		if s.LKind != LDistinct && s.LKind != LEntropy {
			return nil, fmt.Errorf("sensitive %q: unknown l-diversity %q (want distinct or entropy)", s.Column, s.LKind)
		}
		if s.TKind == "" {
			s.TKind = TEqual
		}
		if s.TKind != TEqual && s.TKind != TOrdered {
			return nil, fmt.Errorf("sensitive %q: unknown t-closeness distance %q (want equal or ordered)", s.Column, s.TKind)
		}
		values := t.Distinct(i)
		index := make(map[string]int32, len(values))
		for c, v := range values {
			index[v] = int32(c)
		}
		codes := make([]int32, len(t.Rows))
		global := make([]float64, len(values))
		for r, row := range t.Rows {
			codes[r] = index[row[i]]
			global[codes[r]]++
		}
		for c := range global {
			global[c] /= float64(len(t.Rows))
		}
		order := make([]int, len(values))
		ranked := make([]int, len(values))
		for c := range ranked {
			ranked[c] = c
		}
		sort.SliceStable(ranked, func(a, b int) bool { return lessValue(values[ranked[a]], values[ranked[b]]) })
		for rank, c := range ranked {
			order[c] = rank
		}
		p.sens = append(p.sens, sens{Sensitive: s, col: i, values: values, codes: codes, offset: p.histW, global: global, order: order})
		p.histW += len(values)
	}
	for _, k := range cfg.Keep {
		if _, err := claim(k, "kept"); err != nil {
			return nil, err
		}
	}
	p.maxSup = int(math.Floor(cfg.SuppressionLimit*float64(len(t.Rows)) + 1e-9))
	return p, nil
}

// lessValue orders numbers numerically and everything else as text.
func lessValue(a, b string) bool {
	var x, y float64
	_, ea := fmt.Sscan(a, &x)
	_, eb := fmt.Sscan(b, &y)
	if ea == nil && eb == nil {
		return x < y
	}
	return a < b
}

// classes is the partition of the rows by their generalised quasi-identifiers at one node.
type classes struct {
	keys   []uint64
	counts []int32
	hist   []int32 // len(keys)*histW
}

func (p *prepared) bottom() *classes {
	c := &classes{}
	index := map[uint64]int32{}
	for r := range p.t.Rows {
		var key uint64
		for _, q := range p.qis {
			key |= uint64(q.codes[r]) << q.shift
		}
		i, ok := index[key]
		if !ok {
			i = int32(len(c.keys))
			index[key] = i
			c.keys = append(c.keys, key)
			c.counts = append(c.counts, 0)
			c.hist = append(c.hist, make([]int32, p.histW)...)
		}
		c.counts[i]++
		for _, s := range p.sens {
			c.hist[int(i)*p.histW+s.offset+int(s.codes[r])]++
		}
	}
	return c
}

// up generalises attribute a of every class from level l to l+1 and merges the classes that
// become equal.
func (p *prepared) up(src *classes, a, l int) *classes {
	q := p.qis[a]
	parent := q.enc.parent[l]
	dst := &classes{keys: make([]uint64, 0, len(src.keys)/2+1)}
	if p.merge == nil {
		p.merge = make(map[uint64]int32, len(src.keys))
	}
	index := p.merge
	clear(index)
	w := p.histW
	for i, key := range src.keys {
		code := int32((key >> q.shift) & q.mask)
		nk := key&^(q.mask<<q.shift) | uint64(parent[code])<<q.shift
		j, ok := index[nk]
		if !ok {
			j = int32(len(dst.keys))
			index[nk] = j
			dst.keys = append(dst.keys, nk)
			dst.counts = append(dst.counts, 0)
			dst.hist = append(dst.hist, make([]int32, w)...)
		}
		dst.counts[j] += src.counts[i]
		if w > 0 {
			d := dst.hist[int(j)*w : int(j+1)*w]
			for x, v := range src.hist[i*w : (i+1)*w] {
				d[x] += v
			}
		}
	}
	return dst
}

// ok says whether class i meets every criterion.
func (p *prepared) ok(c *classes, i int) bool {
	n := c.counts[i]
	if int(n) < p.cfg.K {
		return false
	}
	if p.histW == 0 {
		return true
	}
	h := c.hist[i*p.histW : (i+1)*p.histW]
	for _, s := range p.sens {
		hs := h[s.offset : s.offset+len(s.values)]
		if s.L > 1 {
			switch s.LKind {
			case LDistinct:
				d := 0
				for _, v := range hs {
					if v > 0 {
						d++
					}
				}
				if d < s.L {
					return false
				}
			case LEntropy:
				e := 0.0
				for _, v := range hs {
					if v > 0 {
						f := float64(v) / float64(n)
						e -= f * math.Log(f)
					}
				}
				if e < math.Log(float64(s.L))-1e-12 {
					return false
				}
			}
		}
		if s.T > 0 && s.distance(hs, n) > s.T+1e-12 {
			return false
		}
	}
	return true
}

// distance is the earth mover's distance between a class's distribution and the table's.
func (s sens) distance(h []int32, n int32) float64 {
	switch s.TKind {
	case TOrdered:
		m := len(h)
		if m < 2 {
			return 0
		}
		diff := make([]float64, m)
		for c, v := range h {
			diff[s.order[c]] += float64(v)/float64(n) - s.global[c]
		}
		sum, d := 0.0, 0.0
		for _, x := range diff[:m-1] {
			sum += x
			d += math.Abs(sum)
		}
		return d / float64(m-1)
	default:
		d := 0.0
		for c, v := range h {
			d += math.Abs(float64(v)/float64(n) - s.global[c])
		}
		return d / 2
	}
}

type evaluation struct {
	levels     []int
	suppressed int
	loss, lb   float64
	dm, dmLB   float64
}

func (p *prepared) evaluate(c *classes, levels []int) (evaluation, bool) {
	e := evaluation{levels: append([]int(nil), levels...)}
	for i := range c.keys {
		if !p.ok(c, i) {
			e.suppressed += int(c.counts[i])
			if e.suppressed > p.maxSup {
				return e, false
			}
		}
	}
	nq := float64(len(p.qis))
	n := float64(len(p.t.Rows))
	var gen, genAll float64
	for i, key := range c.keys {
		cell := 0.0
		for a, q := range p.qis {
			cell += q.enc.loss(levels[a], int32((key>>q.shift)&q.mask))
		}
		cnt := float64(c.counts[i])
		genAll += cnt * cell
		e.dmLB += cnt * cnt
		if p.ok(c, i) {
			gen += cnt * cell
			e.dm += cnt * cnt
		}
	}
	e.loss = (gen + float64(e.suppressed)*nq) / (n * nq)
	e.lb = genAll / (n * nq)
	e.dm += float64(e.suppressed) * n
	return e, true
}

func (p *prepared) score(e evaluation) float64 {
	if p.cfg.Metric == MetricDiscernibility {
		return e.dm
	}
	return e.loss
}

// Anonymise searches every node of the generalisation lattice and returns the table at the
// node with the smallest information loss that meets every criterion within the suppression
// limit (ties go to the node with fewer suppressed records, then the lower levels).
func Anonymise(t Table, cfg Config) (Result, error) {
	p, err := prepare(t, cfg)
	if err != nil {
		return Result{}, err
	}
	heights := make([]int, len(p.qis))
	for a, q := range p.qis {
		heights[a] = len(q.enc.values)
	}
	var best *evaluation
	checked, anonymous := 0, 0
	levels := make([]int, len(p.qis))
	// Depth-first over a spanning tree of the lattice: a node's children raise an attribute
	// at or after the last one raised, so every node is reached once, from a parent one
	// level below, and only the classes on the current path are kept.
	var walk func(c *classes, from int)
	walk = func(c *classes, from int) {
		checked++
		if e, ok := p.evaluate(c, levels); ok {
			anonymous++
			if best == nil || better(p, e, *best) {
				e := e
				best = &e
			}
		}
		for a := from; a < len(p.qis); a++ {
			if levels[a]+1 < heights[a] {
				next := p.up(c, a, levels[a])
				levels[a]++
				walk(next, a)
				levels[a]--
			}
		}
	}
	walk(p.bottom(), 0)
	if best == nil {
		return Result{}, ErrNoSolution
	}
	return p.result(*best, checked, anonymous), nil
}

func better(p *prepared, a, b evaluation) bool {
	sa, sb := p.score(a), p.score(b)
	if math.Abs(sa-sb) > 1e-12 {
		return sa < sb
	}
	if a.suppressed != b.suppressed {
		return a.suppressed < b.suppressed
	}
	ta, tb := 0, 0
	for i := range a.levels {
		ta += a.levels[i]
		tb += b.levels[i]
	}
	return ta < tb
}

// classesAt builds the partition at a node directly from the rows.
func (p *prepared) classesAt(levels []int) *classes {
	c := p.bottom()
	for a := range p.qis {
		for l := 0; l < levels[a]; l++ {
			c = p.up(c, a, l)
		}
	}
	return c
}

func (p *prepared) result(e evaluation, checked, anonymous int) Result {
	c := p.classesAt(e.levels)
	okKey := map[uint64]bool{}
	classOf := map[uint64]int32{}
	for i, k := range c.keys {
		okKey[k] = p.ok(c, i)
		classOf[k] = c.counts[i]
	}
	// The output: kept columns in the table's order, identifiers dropped.
	role := map[int]bool{}
	for _, q := range p.qis {
		role[q.col] = true
	}
	for _, s := range p.sens {
		role[s.col] = true
	}
	for _, k := range p.cfg.Keep {
		role[p.t.Column(k)] = true
	}
	var cols []int
	for i := range p.t.Columns {
		if role[i] {
			cols = append(cols, i)
		}
	}
	qiAt := map[int]int{}
	for a, q := range p.qis {
		qiAt[q.col] = a
	}
	out := Table{}
	for _, i := range cols {
		out.Columns = append(out.Columns, p.t.Columns[i])
	}
	released := 0
	for r, row := range p.t.Rows {
		var key uint64
		codes := make([]int32, len(p.qis))
		for a, q := range p.qis {
			code := q.codes[r]
			for l := 0; l < e.levels[a]; l++ {
				code = q.enc.parent[l][code]
			}
			codes[a] = code
			key |= uint64(code) << q.shift
		}
		if !okKey[key] {
			continue
		}
		released++
		o := make([]string, len(cols))
		for j, i := range cols {
			if a, isQI := qiAt[i]; isQI {
				o[j] = p.qis[a].enc.values[e.levels[a]][codes[a]]
			} else {
				o[j] = row[i]
			}
		}
		out.Rows = append(out.Rows, o)
	}
	rep := Report{
		Rows: len(p.t.Rows), Released: released, Suppressed: e.suppressed,
		SuppressedShare: float64(e.suppressed) / float64(len(p.t.Rows)),
		Levels:          map[string]int{}, Heights: map[string]int{}, Metric: p.cfg.Metric,
		Loss: e.loss, LossLowerBound: e.lb, Discernibility: e.dm, DiscernibilityLB: e.dmLB,
		NodesChecked: checked, NodesAnonymous: anonymous,
	}
	for a, q := range p.qis {
		rep.Levels[q.name] = e.levels[a]
		rep.Heights[q.name] = len(q.enc.values)
	}
	rep.Criteria = append(rep.Criteria, fmt.Sprintf("%d-anonymity", p.cfg.K))
	for _, s := range p.sens {
		if s.L > 1 {
			rep.Criteria = append(rep.Criteria, fmt.Sprintf("%s-%d-diversity(%s)", s.LKind, s.L, s.Column))
		}
		if s.T > 0 {
			rep.Criteria = append(rep.Criteria, fmt.Sprintf("%g-closeness(%s, %s)", s.T, s.Column, s.TKind))
		}
	}
	thr := p.cfg.RiskThreshold
	if thr <= 0 {
		thr = 1 / float64(p.cfg.K)
	}
	rep.RiskThreshold = thr
	// Risks of the released records.
	smallest := 0
	var sizes []int32
	var keys []uint64
	for i, k := range c.keys {
		if okKey[k] {
			sizes = append(sizes, c.counts[i])
			keys = append(keys, k)
			if smallest == 0 || int(c.counts[i]) < smallest {
				smallest = int(c.counts[i])
			}
		}
	}
	rep.Classes, rep.SmallestClass = len(sizes), smallest
	rep.Prosecutor = risk(sizes, sizes, thr, released)
	if p.cfg.Population != nil {
		pop, err := p.populationSizes(*p.cfg.Population, e.levels, keys)
		if err == nil {
			rep.Journalist = risk(sizes, pop, thr, released)
			rep.Journalist.PopulationUsed = true
			rep.Marketer = rep.Journalist
			rep.Marketer.Highest = rep.Marketer.Average
			rep.Marketer.RecordsAtRisk = 0
			rep.Marketer.PopulationUsed = true
		}
	}
	rep.Population = "given"
	if !rep.Journalist.PopulationUsed {
		rep.Population = "sample"
		rep.Journalist = rep.Prosecutor
		rep.Marketer = Risk{Highest: rep.Prosecutor.Average, Average: rep.Prosecutor.Average}
	}
	return Result{Table: out, Report: rep}
}

// risk computes the risk of records in classes of the given sizes when an attacker matches
// them against classes of sizes pop (the same classes in a population, or the sample itself).
func risk(sizes, pop []int32, thr float64, released int) Risk {
	if released == 0 {
		return Risk{}
	}
	var r Risk
	atRisk := 0
	sum := 0.0
	for i, s := range sizes {
		f := float64(pop[i])
		if f < float64(s) {
			f = float64(s)
		}
		x := 1 / f
		if x > r.Highest {
			r.Highest = x
		}
		sum += float64(s) * x
		if x > thr+1e-12 {
			atRisk += int(s)
		}
	}
	r.Average = sum / float64(released)
	r.RecordsAtRisk = float64(atRisk) / float64(released)
	return r
}

// populationSizes counts, for each released class key, how many population records fall
// into it at the same node.
func (p *prepared) populationSizes(pop Table, levels []int, keys []uint64) ([]int32, error) {
	idx := make([]int, len(p.qis))
	index := make([]map[string]int32, len(p.qis))
	for a, q := range p.qis {
		idx[a] = pop.Column(q.name)
		if idx[a] < 0 {
			return nil, fmt.Errorf("the population has no column %q", q.name)
		}
		index[a] = make(map[string]int32, len(q.enc.values[0]))
		for c, v := range q.enc.values[0] {
			index[a][v] = int32(c)
		}
	}
	count := map[uint64]int32{}
	for _, row := range pop.Rows {
		var key uint64
		known := true
		for a, q := range p.qis {
			code, ok := index[a][row[idx[a]]]
			if !ok {
				known = false
				break
			}
			for l := 0; l < levels[a]; l++ {
				code = q.enc.parent[l][code]
			}
			key |= uint64(code) << q.shift
		}
		if known {
			count[key]++
		}
	}
	out := make([]int32, len(keys))
	for i, k := range keys {
		out[i] = count[k]
	}
	return out, nil
}
