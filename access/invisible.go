package access

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/dp"
)

// Usable but invisible (pubdata's invisible.go): verifications and noisy aggregates, the only
// answers consumers get from an entry marked so. Both decide as a read would (grants,
// purposes, suspension), answer without returning any row, and spend the holder's privacy
// budget, recorded with the purpose, before anything is computed.

// KindVerify and KindAggregate are the kinds of these answers (their record is the budget's).
var (
	KindVerify    = Kind{Path: "verify", Use: pubdata.UseAPICall, OwnRecord: true}
	KindAggregate = Kind{Path: "aggregate", Use: pubdata.UseAPICall, OwnRecord: true}
)

// VerifyEpsilon is what one verification spends of the budget: it tells one bit of one
// record, so it is charged as a query of ε = 0.01 (thousandths: 10).
const VerifyEpsilon = 10

// use decides a verification or an aggregate: a Read whose decision is DecideUse's, and a
// predicate of the items the caller may not use (hidden by the mask policy).
func (r *Reader) use(ctx context.Context, e *pubdata.Entry, p Purpose, kind Kind) (*Read, func(pubdata.Item) bool, error) {
	if r.tables == nil || r.svc.Data == nil || r.svc.Privacy == nil {
		return nil, nil, errNoTables
	}
	req, err := r.request(ctx, e, p)
	if err != nil {
		return nil, nil, err
	}
	rd := &Read{r: r, a: req.Actor, e: e, p: p, d: pubdata.DecideUse(req)}
	if !rd.d.Allow {
		return nil, nil, rd.Refused(ctx, kind, true)
	}
	// An item is usable when the decision reads it (masked or not) or it is invisible and
	// the policy does not hide it.
	policy := req.Policy
	if policy == nil {
		policy = pubdata.DefaultMaskPolicy
	}
	hidden := func(it pubdata.Item) bool {
		if slices.Contains(rd.d.Columns, it.Name) {
			return false
		}
		return rd.d.Reason == pubdata.AccessProvider || rd.d.Reason == pubdata.AccessAuthority || policy.ItemMask(it) == pubdata.MaskHide
	}
	return rd, hidden, nil
}

// Verify answers whether the entry holds a current row with every value given (within the
// grant's row filter), spending VerifyEpsilon of the caller's budget; nothing else of the row
// is read.
func (r *Reader) Verify(ctx context.Context, e *pubdata.Entry, req pubdata.VerifyRequest, p Purpose) (bool, error) {
	rd, hidden, err := r.use(ctx, e, p, KindVerify)
	if err != nil {
		return false, err
	}
	if err := pubdata.CheckVerify(e, rd.d, hidden, req); err != nil {
		return false, err
	}
	q := &pubdata.RowQuery{Limit: 1}
	names := make([]string, 0, len(req.Values))
	for _, it := range e.Items {
		if v, ok := req.Values[it.Name]; ok {
			q.Filters = append(q.Filters, pubdata.RowFilter{Column: it.Name, Op: pubdata.OpEq, Values: []any{NormalizeValue(it, v)}})
			q.Fields = append(q.Fields, it.Name)
			names = append(names, it.Name)
		}
	}
	if rd.d.Filter != "" {
		if err := addGrantFilter(rd.d, e.Items, q); err != nil {
			return false, err
		}
	}
	budget := int64(e.InvisibleTerms.Budget() * 1000)
	if _, err := r.svc.Privacy.Spend(rd.Context(ctx), e, pubdata.BudgetHolder(rd.a, rd.d), VerifyEpsilon, budget, "data.verify", map[string]any{"items": names, "reason": rd.d.Reason}); err != nil {
		return false, err
	}
	if r.svc.CountUse != nil {
		r.svc.CountUse(e, KindVerify.Use)
	}
	return r.exists(ctx, e, q)
}

// Aggregate answers a noisy aggregate: the exact figures computed by the database over the
// rows the caller's decision selects, then discrete Laplace noise for ε split evenly over
// the group counts and the measures, and groups below the minimum size suppressed (by the
// exact count or the noisy one).
func (r *Reader) Aggregate(ctx context.Context, e *pubdata.Entry, req pubdata.AggregateRequest, p Purpose) (*pubdata.AggregateResult, error) {
	rd, hidden, err := r.use(ctx, e, p, KindAggregate)
	if err != nil {
		return nil, err
	}
	if err := pubdata.CheckAggregate(e, hidden, req); err != nil {
		return nil, err
	}
	eps, err := dp.ParseEpsilon(req.Epsilon)
	if err != nil {
		return nil, pubdata.Errorf(pubdata.EINVALID, "%s", err.Error()).Keyed("error.aggregate.epsilon", "Epsilon", req.Epsilon, "Max", pubdata.MaxQueryEpsilon)
	}
	q := &pubdata.RowQuery{}
	if rd.d.Filter != "" {
		if err := addGrantFilter(rd.d, e.Items, q); err != nil {
			return nil, err
		}
	}
	var measures []string
	for _, m := range req.Measures {
		measures = append(measures, m.Op+"("+m.Column+")")
	}
	budget := int64(e.InvisibleTerms.Budget() * 1000)
	left, err := r.svc.Privacy.Spend(rd.Context(ctx), e, pubdata.BudgetHolder(rd.a, rd.d), eps.Milli, budget, "data.aggregate",
		map[string]any{"group_by": req.GroupBy, "measures": measures, "reason": rd.d.Reason})
	if err != nil {
		return nil, err
	}
	if r.svc.CountUse != nil {
		r.svc.CountUse(e, KindAggregate.Use)
	}
	// The exact figures: one grouping for the counts, one per measure with a column.
	if _, err := r.svc.Data.TableStats(ctx, e.ID); pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
		return &pubdata.AggregateResult{Groups: []pubdata.AggregateGroup{}, EpsilonSpent: eps.Float(), BudgetLeft: float64(left) / 1000, MinGroupSize: e.InvisibleTerms.MinGroup(), Noise: "discrete Laplace"}, nil
	} else if err != nil {
		return nil, err
	}
	base := pubdata.RowGrouping{Column: req.GroupBy, ByRows: true, Limit: pubdata.MaxGroups}
	// Without a row filter the kept summary answers when it is current and covers the
	// grouping (the same exact figures, without a scan); a missing or stale one is asked for
	// once and the table scanned.
	summaries, _ := r.tables.(Summaries)
	wanted := false
	groupRows := func(g pubdata.RowGrouping) ([]pubdata.RowGroup, error) {
		if summaries != nil && rd.d.Filter == "" && len(q.Filters) == 0 && !r.svc.ScanAggregates {
			out, st, err := summaries.SummaryGroups(ctx, e, g)
			switch {
			case err != nil:
				return nil, err
			case st == pubdata.SummaryServed:
				return out, nil
			case (st == pubdata.SummaryMissing || st == pubdata.SummaryStale) && !wanted && r.svc.SummaryWanted != nil:
				wanted = true
				r.svc.SummaryWanted(e)
			}
		}
		out, err := r.tables.GroupRows(ctx, e, q, g)
		if err != nil && pubdata.MessageOf(err).Key == "error.rows.encrypted" {
			// A column stored encrypted: the database cannot group or sum it; the rows are
			// read (decrypted by the store) and grouped here.
			return groupInGo(ctx, r.tables, e, q, g)
		}
		return out, err
	}
	// One statement for the counts and every sum and mean (RowGrouping.More), on the first
	// quantiles measure's grouping when there is one (its groups count the same rows); each
	// quantiles measure adds its histogram.
	cg := base
	var sums []int // the measures in cg.More, by index in req.Measures
	quant := -1
	for i, m := range req.Measures {
		switch m.Op {
		case pubdata.AggSum, pubdata.AggMean:
			cg.More = append(cg.More, pubdata.RowSum{Column: m.Column, Clamp: &[2]float64{float64(*m.Lower), float64(*m.Upper)}})
			sums = append(sums, i)
		case pubdata.AggQuantiles:
			if quant < 0 {
				quant = i
				cg.Sum, cg.Clamp, cg.Bins = m.Column, &[2]float64{float64(*m.Lower), float64(*m.Upper)}, dp.Bins
			}
		}
	}
	counts, err := groupRows(cg)
	if err != nil {
		return nil, err
	}
	share := eps.Split(int64(len(req.Measures) + 1))
	var s dp.Sampler
	min := int64(e.InvisibleTerms.MinGroup())
	res := &pubdata.AggregateResult{Groups: []pubdata.AggregateGroup{}, EpsilonSpent: eps.Float(), BudgetLeft: float64(left) / 1000, MinGroupSize: int(min), Noise: "discrete Laplace"}
	index := map[string]int{}
	for _, g := range counts {
		noisy := s.Count(g.Rows, share)
		ag := pubdata.AggregateGroup{Key: g.Key}
		if g.Rows < min || noisy < min {
			ag.Suppressed = true
		} else {
			ag.Count = &noisy
			ag.Figures = map[string]float64{}
		}
		index[g.Key] = len(res.Groups)
		res.Groups = append(res.Groups, ag)
	}
	// figure adds measure m's noisy figure from a group's exact sum, rows with a value and
	// histogram.
	figure := func(ag *pubdata.AggregateGroup, m pubdata.AggregateMeasure, sum float64, n int64, hist []int64) {
		b := dp.Bounds{Lower: *m.Lower, Upper: *m.Upper}
		switch m.Op {
		case pubdata.AggSum:
			ag.Figures["sum("+m.Column+")"] = float64(s.Sum(int64(sum), b, share))
		case pubdata.AggMean:
			if v, ok := s.Mean(int64(sum), n, b, share); ok {
				ag.Figures["mean("+m.Column+")"] = v
			}
		case pubdata.AggQuantiles:
			if ag.Quantiles == nil {
				ag.Quantiles = map[string][]float64{}
			}
			ag.Quantiles[m.Column] = s.Quantiles(hist, b, m.Quantiles, share)
		}
	}
	for _, gr := range counts {
		ag := &res.Groups[index[gr.Key]]
		if ag.Suppressed {
			continue
		}
		for j, i := range sums {
			figure(ag, req.Measures[i], gr.More[j].Sum, gr.More[j].N, nil)
		}
		if quant >= 0 {
			figure(ag, req.Measures[quant], gr.Sum, gr.N, gr.Hist)
		}
	}
	for i, m := range req.Measures {
		if m.Op != pubdata.AggQuantiles || i == quant {
			continue
		}
		g := base
		g.Sum, g.Clamp, g.Bins = m.Column, &[2]float64{float64(*m.Lower), float64(*m.Upper)}, dp.Bins
		groups, err := groupRows(g)
		if err != nil {
			return nil, err
		}
		for _, gr := range groups {
			i, ok := index[gr.Key]
			if !ok || res.Groups[i].Suppressed {
				continue
			}
			figure(&res.Groups[i], m, gr.Sum, gr.N, gr.Hist)
		}
	}
	return res, nil
}

// GroupInGo is the grouping Aggregate falls back to for columns stored encrypted (the
// conformance suite checks the aggregate summaries of such columns against it).
func GroupInGo(ctx context.Context, t Tables, e *pubdata.Entry, q *pubdata.RowQuery, g pubdata.RowGrouping) ([]pubdata.RowGroup, error) {
	return groupInGo(ctx, t, e, q, g)
}

// groupInGo computes g over the rows q selects by reading them (Tables.QueryRows gives the
// values in clear), for columns the database cannot aggregate (stored encrypted): the same
// groups, counts, clamped sums and histograms as Tables.GroupRows, the groups by rows.
func groupInGo(ctx context.Context, t Tables, e *pubdata.Entry, q *pubdata.RowQuery, g pubdata.RowGrouping) ([]pubdata.RowGroup, error) {
	rq := *q
	rq.Fields = nil
	if g.Column != "" {
		rq.Fields = append(rq.Fields, g.Column)
	}
	if g.Sum != "" {
		rq.Fields = append(rq.Fields, g.Sum)
	}
	more := len(rq.Fields) // the index of the first of g.More's values
	for _, m := range g.More {
		rq.Fields = append(rq.Fields, m.Column)
	}
	if len(rq.Fields) == 0 {
		rq.Fields = []string{e.Items[0].Name}
	}
	rq.Limit, rq.Sort, rq.Cursor = 0, nil, ""
	index := map[string]int{}
	var out []pubdata.RowGroup
	_, _, err := t.QueryRows(ctx, e, &rq, func(values []any) error {
		key, i := "", 0
		if g.Column != "" {
			if values[0] == nil {
				return nil
			}
			key, i = fmt.Sprint(values[0]), 1
		}
		j, ok := index[key]
		if !ok {
			j = len(out)
			index[key] = j
			out = append(out, pubdata.RowGroup{Key: key})
			if g.Bins > 0 {
				out[j].Hist = make([]int64, g.Bins)
			}
			if len(g.More) > 0 {
				out[j].More = make([]pubdata.RowFigure, len(g.More))
			}
		}
		grp := &out[j]
		grp.Rows++
		for k, m := range g.More {
			if values[more+k] == nil {
				continue
			}
			v, err := toFloat(values[more+k])
			if err != nil {
				continue
			}
			if m.Clamp != nil {
				v = math.Max(m.Clamp[0], math.Min(m.Clamp[1], v))
			}
			grp.More[k].N++
			grp.More[k].Sum += v
		}
		if g.Sum == "" || values[i] == nil {
			return nil
		}
		v, err := toFloat(values[i])
		if err != nil {
			return nil
		}
		if g.Clamp != nil {
			v = math.Max(g.Clamp[0], math.Min(g.Clamp[1], v))
		}
		grp.N++
		grp.Sum += v
		if g.Bins > 0 && g.Clamp != nil {
			b := int((v - g.Clamp[0]) / ((g.Clamp[1] - g.Clamp[0]) / float64(g.Bins)))
			grp.Hist[min(max(b, 0), g.Bins-1)]++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].Rows != out[b].Rows {
			return out[a].Rows > out[b].Rows
		}
		return out[a].Key < out[b].Key
	})
	if g.Limit > 0 && len(out) > g.Limit {
		out = out[:g.Limit]
	}
	return out, nil
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case int64:
		return float64(x), nil
	case float64:
		return x, nil
	case int:
		return float64(x), nil
	case string:
		return strconv.ParseFloat(x, 64)
	case []byte:
		return strconv.ParseFloat(string(x), 64)
	}
	return 0, fmt.Errorf("not a number: %T", v)
}
