package portal

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/http/web"
)

// The entry page's chart: an SVG the server draws from aggregates the database computes over
// every row the visitor may read (access.Selection.Groups: the grant's filter applies,
// frozen rows are left out), when the table has a numeric column and a date or datetime
// column (the average by day — by month or year over a longer span, by hour within one
// day), or else a text column of few distinct values (rows by value). The visitor's access
// decides which columns can be drawn, as for the preview: only those read in clear.

// chartTimeout bounds the aggregates of a chart; a chart that takes longer is left out of
// the page (which is otherwise complete).
const chartTimeout = 10 * time.Second

// Bounds of what a chart shows.
const (
	chartMaxDays       = 62 // a longer span is drawn by month
	chartMaxMonths     = 72 // a longer span is drawn by year
	chartMaxPoints     = 60 // years (the newest)
	chartMaxCategories = 12 // a text column with more distinct values is not charted
	chartMaxCandidates = 4  // text columns tried for a category chart
)

// entryChart is a chart on the entry page.
type entryChart struct {
	Title   string        // the chart's heading (translated)
	Summary string        // the accessible text: what it shows, its range (translated)
	Note    string        // the rows it was computed from, and any bound (translated)
	SVG     template.HTML // the drawing, with role="img" and its title and description
	Points  []ChartPoint  // the values, also listed as a table for screen readers
}

// ChartPoint is one bar or point.
type ChartPoint struct {
	Label string
	Value float64
	Shown string // the value as text
}

// chartPlan is which columns a chart uses.
type chartPlan struct {
	Time       bool   // a time chart (else counts by category)
	At, Value  string // the date column and the numeric column (time chart)
	atType     string
	Categories []string // candidate text columns (category chart)
}

// PlanChart picks the chart's columns among the readable, unmasked, non-personal items:
// a time chart needs a date or datetime item and a number or integer item that is not a
// key; a category chart takes text items that are neither keys nor standard identifiers.
func PlanChart(items []pubdata.Item, d pubdata.AccessDecision) (chartPlan, bool) {
	var p chartPlan
	for _, it := range items {
		if !clearItem(it, d) {
			continue
		}
		switch it.Type {
		case "date", "datetime":
			if p.At == "" {
				p.At, p.atType = it.Name, it.Type
			}
		case "integer", "number":
			if p.Value == "" && !it.Key && !coordinate(it.Name) {
				p.Value = it.Name
			}
		case "string":
			if !it.Key && it.Element == "" && (it.Length == 0 || it.Length <= 50) {
				p.Categories = append(p.Categories, it.Name)
			}
		}
	}
	p.Time = p.At != "" && p.Value != ""
	return p, p.Time || len(p.Categories) > 0
}

// clearItem reports whether the visitor reads the item in clear (among the decision's
// columns, unmasked) and it is not personal: only such items are charted or mapped.
func clearItem(it pubdata.Item, d pubdata.AccessDecision) bool {
	_, masked := d.Masks[it.Name]
	return slices.Contains(d.Columns, it.Name) && !masked && !it.Personal
}

// coordinate reports whether a column name looks like a longitude or latitude, which an
// average says nothing about.
func coordinate(name string) bool {
	for _, s := range append(slices.Clone(longitudeNames), latitudeNames...) {
		if name == s || strings.HasSuffix(name, "_"+s) {
			return true
		}
	}
	return false
}

// chartable reports whether the visitor's read may be charted or mapped: only reads that
// are not recorded (open data, a grant, the provider's own) are: a chart never adds a
// recorded read.
func chartable(d pubdata.AccessDecision) bool {
	return d.Allow && !d.Shared && d.Reason != pubdata.AccessAuthority
}

// entryChartFor draws the chart of the published entry e for the visitor, or returns nil
// when none makes sense, the visitor reads no data, or the aggregates outlast chartTimeout.
func (s *Server) entryChartFor(r *http.Request, e *pubdata.Entry, rd *access.Read, rows int64) (*entryChart, error) {
	d := rd.Decision()
	if s.Data == nil || !chartable(d) || rows < 2 {
		return nil, nil
	}
	items, err := pubdata.TableItems(e)
	if err != nil {
		return nil, nil
	}
	plan, ok := PlanChart(items, d)
	if !ok {
		return nil, nil
	}
	lang := web.LangFrom(r.Context())
	title := func(name string) string {
		for _, it := range items {
			if it.Name == name {
				return it.Title
			}
		}
		return name
	}
	ctx, cancel := context.WithTimeout(r.Context(), chartTimeout)
	defer cancel()
	q := &pubdata.RowQuery{Fields: plan.Categories}
	if plan.Time {
		q.Fields = []string{plan.At, plan.Value}
	}
	sel, err := rd.Select(ctx, q, access.KindChart)
	if err != nil {
		if web.ErrorIs(err, pubdata.EFORBIDDEN) || web.ErrorIs(err, pubdata.EINVALID) {
			return nil, nil
		}
		return nil, err
	}
	// skip tells the errors that leave the chart out: its bound reached, or a column the
	// table does not hold yet.
	skip := func(err error) bool {
		return ctx.Err() != nil && r.Context().Err() == nil || web.ErrorIs(err, pubdata.EINVALID) || web.ErrorIs(err, pubdata.EFORBIDDEN)
	}
	if plan.Time {
		c, err := s.timeChart(ctx, sel, plan, lang, title)
		if err != nil && skip(err) {
			return nil, nil
		}
		return c, err
	}
	for i, col := range plan.Categories {
		if i == chartMaxCandidates {
			break
		}
		groups, err := sel.Groups(ctx, pubdata.RowGrouping{Column: col, ByRows: true, Limit: chartMaxCategories + 1})
		if err != nil {
			if skip(err) {
				return nil, nil
			}
			return nil, err
		}
		if n := len(groups); n < 2 || n > chartMaxCategories {
			continue
		}
		c := &entryChart{}
		var total int64
		for _, g := range groups {
			c.Points = append(c.Points, ChartPoint{Label: g.Key, Value: float64(g.Rows), Shown: strconv.FormatInt(g.Rows, 10)})
			total += g.Rows
		}
		c.Title = web.Translate(lang, "chart.counts", "Column", title(col))
		c.Summary = web.Translate(lang, "chart.count_summary", "Column", title(col), "Count", len(c.Points), "Top", c.Points[0].Label, "TopRows", c.Points[0].Shown)
		c.Note = web.Translate(lang, "chart.all_rows", "Count", total)
		c.SVG = BarChartSVG(c.Title, c.Summary, c.Points)
		return c, nil
	}
	return nil, nil
}

// timeChart is the average of plan.Value by day over the whole table (by hour when it holds
// one day; by month, then year, when it spans more than chartMaxDays, chartMaxMonths).
func (s *Server) timeChart(ctx context.Context, sel *access.Selection, plan chartPlan, lang string, title func(string) string) (*entryChart, error) {
	groups, err := sel.Groups(ctx, pubdata.RowGrouping{Column: plan.At, Prefix: pubdata.PrefixDay, Sum: plan.Value, Limit: pubdata.MaxGroups})
	if err != nil {
		return nil, err
	}
	slices.Reverse(groups) // oldest first
	truncated := len(groups) == pubdata.MaxGroups
	var perKey string
	perKey = "chart.per_day"
	if len(groups) == 1 && plan.atType == "datetime" {
		if groups, err = sel.Groups(ctx, pubdata.RowGrouping{Column: plan.At, Prefix: pubdata.PrefixHour, Sum: plan.Value, Limit: 48}); err != nil {
			return nil, err
		}
		slices.Reverse(groups)
		perKey = "chart.per_hour"
	}
	if len(groups) > chartMaxDays {
		groups = rollUp(groups, pubdata.PrefixMonth)
		perKey = "chart.per_month"
		if len(groups) > chartMaxMonths {
			groups = rollUp(groups, pubdata.PrefixYear)
			perKey = "chart.per_year"
			if len(groups) > chartMaxPoints {
				groups, truncated = groups[len(groups)-chartMaxPoints:], true
			}
		}
	}
	groups = slices.DeleteFunc(groups, func(g pubdata.RowGroup) bool { return g.N == 0 })
	if len(groups) < 2 {
		return nil, nil
	}
	c := &entryChart{}
	var total int64
	for _, g := range groups {
		label := g.Key
		if perKey == "chart.per_hour" {
			label = strings.Replace(g.Key, "T", " ", 1) + ":00"
		}
		c.Points = append(c.Points, ChartPoint{Label: label, Value: g.Mean(), Shown: shortNumber(g.Mean())})
		total += g.N
	}
	c.Title = web.Translate(lang, "chart.average", "Column", title(plan.Value), "Per", web.Translate(lang, perKey))
	lo, hi := minMax(c.Points)
	c.Summary = web.Translate(lang, "chart.time_summary", "Column", title(plan.Value), "From", c.Points[0].Label, "To", c.Points[len(c.Points)-1].Label, "Count", len(c.Points), "Lowest", shortNumber(lo), "Highest", shortNumber(hi))
	c.Note = web.Translate(lang, "chart.all_rows", "Count", total)
	if truncated {
		c.Note = web.Translate(lang, "chart.newest", "Count", total, "Points", len(c.Points))
	}
	c.SVG = LineChartSVG(c.Title, c.Summary, c.Points)
	return c, nil
}

// rollUp merges groups (in key order) into groups by the first prefix characters of their
// keys, keeping their rows and sums.
func rollUp(groups []pubdata.RowGroup, prefix int) []pubdata.RowGroup {
	var out []pubdata.RowGroup
	for _, g := range groups {
		k := g.Key[:min(prefix, len(g.Key))]
		if n := len(out); n > 0 && out[n-1].Key == k {
			out[n-1].Rows += g.Rows
			out[n-1].N += g.N
			out[n-1].Sum += g.Sum
			continue
		}
		g.Key = k
		out = append(out, g)
	}
	return out
}

func minMax(ps []ChartPoint) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range ps {
		lo, hi = min(lo, p.Value), max(hi, p.Value)
	}
	return lo, hi
}

// shortNumber shows a value with at most two decimals and no trailing zeros.
func shortNumber(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// NiceMax rounds a maximum up to 1, 2 or 5 times a power of ten (0 stays 1).
func NiceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// The drawing's size (viewBox units; the page scales it to its width).
const (
	chartW, chartH               = 640.0, 260.0
	chartLeft, chartRight        = 56.0, 16.0
	chartTop, chartBottom        = 16.0, 40.0
	chartPlotW, chartPlotH       = chartW - chartLeft - chartRight, chartH - chartTop - chartBottom
	chartTitleID, chartSummaryID = "chart-svg-title", "chart-svg-desc"
)

// svgOpen starts a chart's SVG with its accessible name and description.
func svgOpen(b *strings.Builder, title, summary string) {
	fmt.Fprintf(b, `<svg class="chart-svg" viewBox="0 0 %g %g" role="img" aria-labelledby="%s %s" xmlns="http://www.w3.org/2000/svg">`, chartW, chartH, chartTitleID, chartSummaryID)
	fmt.Fprintf(b, `<title id="%s">%s</title><desc id="%s">%s</desc>`, chartTitleID, html.EscapeString(title), chartSummaryID, html.EscapeString(summary))
}

// svgAxis draws the value axis: three grid lines with their values.
func svgAxis(b *strings.Builder, base, span float64) {
	for i := 0; i <= 2; i++ {
		v := base + span*float64(i)/2
		y := chartTop + chartPlotH - chartPlotH*float64(i)/2
		fmt.Fprintf(b, `<line class="chart-grid" x1="%g" y1="%.1f" x2="%g" y2="%.1f"/>`, chartLeft, y, chartW-chartRight, y)
		fmt.Fprintf(b, `<text class="chart-tick" x="%g" y="%.1f" text-anchor="end">%s</text>`, chartLeft-6, y+4, html.EscapeString(shortNumber(v)))
	}
}

// LineChartSVG draws points in time order as a line with dots; the first, middle and last
// labels are written under the axis.
func LineChartSVG(title, summary string, ps []ChartPoint) template.HTML {
	var b strings.Builder
	svgOpen(&b, title, summary)
	lo, hi := minMax(ps)
	base := math.Min(0, lo) // negative values: the axis starts at the lowest
	top := NiceMax(hi - base)
	svgAxis(&b, base, top)
	x := func(i int) float64 {
		if len(ps) == 1 {
			return chartLeft + chartPlotW/2
		}
		return chartLeft + chartPlotW*float64(i)/float64(len(ps)-1)
	}
	y := func(v float64) float64 { return chartTop + chartPlotH - chartPlotH*(v-base)/top }
	b.WriteString(`<polyline class="chart-line" fill="none" points="`)
	for i, p := range ps {
		fmt.Fprintf(&b, "%.1f,%.1f ", x(i), y(p.Value))
	}
	b.WriteString(`"/>`)
	for i, p := range ps {
		fmt.Fprintf(&b, `<circle class="chart-dot" cx="%.1f" cy="%.1f" r="3"><title>%s: %s</title></circle>`, x(i), y(p.Value), html.EscapeString(p.Label), html.EscapeString(p.Shown))
	}
	for _, i := range []int{0, len(ps) / 2, len(ps) - 1} {
		anchor := "middle"
		switch i {
		case 0:
			anchor = "start"
		case len(ps) - 1:
			anchor = "end"
		}
		fmt.Fprintf(&b, `<text class="chart-tick" x="%.1f" y="%g" text-anchor="%s">%s</text>`, x(i), chartH-14, anchor, html.EscapeString(ps[i].Label))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// BarChartSVG draws one vertical bar per point with its value above and its label below
// (cut to a few characters; the full label is in the bar's tooltip and the table).
func BarChartSVG(title, summary string, ps []ChartPoint) template.HTML {
	var b strings.Builder
	svgOpen(&b, title, summary)
	_, hi := minMax(ps)
	top := NiceMax(hi)
	svgAxis(&b, 0, top)
	slot := chartPlotW / float64(len(ps))
	w := math.Min(slot*0.7, 48)
	for i, p := range ps {
		h := chartPlotH * p.Value / top
		x := chartLeft + slot*float64(i) + (slot-w)/2
		fmt.Fprintf(&b, `<rect class="chart-bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %s</title></rect>`,
			x, chartTop+chartPlotH-h, w, h, html.EscapeString(p.Label), html.EscapeString(p.Shown))
		fmt.Fprintf(&b, `<text class="chart-value" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x+w/2, chartTop+chartPlotH-h-4, html.EscapeString(p.Shown))
		fmt.Fprintf(&b, `<text class="chart-tick" x="%.1f" y="%g" text-anchor="middle">%s</text>`, x+w/2, chartH-14, html.EscapeString(cutLabel(p.Label, slot)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// cutLabel shortens a label to what fits a slot of the given width (about 12 units a
// Chinese character, 7 a Latin one).
func cutLabel(s string, width float64) string {
	var used float64
	var out []rune
	for _, r := range s {
		cw := 7.0
		if r > 0x2e80 {
			cw = 12
		}
		if used+cw > width-4 {
			return string(out) + "…"
		}
		used += cw
		out = append(out, r)
	}
	return s
}
