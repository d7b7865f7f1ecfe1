package portal

import (
	"fmt"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/http/web"
	"html"
	"html/template"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The entry page's chart: an SVG the server draws from a bounded read of the table, when
// the table has a numeric column and a date or datetime column (the average by day, or by
// hour within one day), or else a text column of few distinct values (rows by value). The
// visitor's access decides which columns can be drawn, as for the preview.

// chartSample is the most rows a chart reads (the newest by date, or the first by order).
const chartSample = 2000

// Bounds of what a chart shows.
const (
	chartMaxPoints     = 31 // days (or hours) on a time chart, the newest
	chartMaxCategories = 12 // a text column with more distinct values is not charted
)

// entryChart is a chart on the entry page.
type entryChart struct {
	Title   string        // the chart's heading (translated)
	Summary string        // the accessible text: what it shows, its range (translated)
	Note    string        // the sample's bound, when the table holds more rows (translated)
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
	usable := func(it pubdata.Item) bool {
		_, masked := d.Masks[it.Name]
		return slices.Contains(d.Columns, it.Name) && !masked && !it.Personal
	}
	for _, it := range items {
		if !usable(it) {
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

// coordinate reports whether a column name looks like a longitude or latitude, which an
// average says nothing about.
func coordinate(name string) bool {
	for _, s := range []string{"longitude", "latitude", "lng", "lat", "lon"} {
		if name == s || strings.HasSuffix(name, "_"+s) {
			return true
		}
	}
	return false
}

// entryChartFor draws the chart of the published entry e for the visitor, or returns nil
// when none makes sense or the visitor reads no data. Only reads that are not recorded
// (open data, a grant, the provider's own) are charted: a chart never adds a recorded read.
func (s *Server) entryChartFor(r *http.Request, e *pubdata.Entry, rd *access.Read, rows int64) (*entryChart, error) {
	d := rd.Decision()
	if s.Data == nil || !d.Allow || d.Shared || d.Reason == pubdata.AccessAuthority || rows < 2 {
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
	q := &pubdata.RowQuery{Limit: chartSample}
	if plan.Time {
		q.Fields = []string{plan.At, plan.Value}
		q.Sort = []pubdata.SortKey{{Column: plan.At, Desc: true}}
	} else {
		q.Fields = plan.Categories
	}
	asked := slices.Clone(q.Fields)
	sel, err := rd.Select(r.Context(), q, access.KindChart)
	if err != nil {
		if web.ErrorIs(err, pubdata.EFORBIDDEN) || web.ErrorIs(err, pubdata.EINVALID) {
			return nil, nil
		}
		return nil, err
	}
	q.Fields = slices.DeleteFunc(q.Fields, func(c string) bool { return !slices.Contains(asked, c) })
	if len(q.Fields) == 0 || (plan.Time && len(q.Fields) != 2) {
		return nil, nil
	}
	var read int64
	var c *entryChart
	if plan.Time {
		type agg struct {
			sum float64
			n   int
		}
		byDay, byHour := map[string]*agg{}, map[string]*agg{}
		add := func(m map[string]*agg, k string, v float64) {
			a := m[k]
			if a == nil {
				a = &agg{}
				m[k] = a
			}
			a.sum += v
			a.n++
		}
		_, err := sel.Each(r.Context(), func(vals []any) error {
			read++
			at, _ := vals[0].(string)
			var v float64
			switch x := vals[1].(type) {
			case int64:
				v = float64(x)
			case float64:
				v = x
			default:
				return nil
			}
			if len(at) < 10 {
				return nil
			}
			add(byDay, at[:10], v)
			if len(at) >= 13 {
				add(byHour, at[:13], v)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		groups, hourly := byDay, false
		if len(byDay) < 2 && len(byHour) >= 2 {
			groups, hourly = byHour, true
		}
		if len(groups) < 2 {
			return nil, nil
		}
		keys := make([]string, 0, len(groups))
		for k := range groups {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if len(keys) > chartMaxPoints {
			keys = keys[len(keys)-chartMaxPoints:]
		}
		c = &entryChart{}
		for _, k := range keys {
			a := groups[k]
			avg := a.sum / float64(a.n)
			label := k
			if hourly {
				label = strings.Replace(k, "T", " ", 1) + ":00"
			}
			c.Points = append(c.Points, ChartPoint{Label: label, Value: avg, Shown: shortNumber(avg)})
		}
		var perKey = "chart.per_day"
		if hourly {
			perKey = "chart.per_hour"
		}
		c.Title = web.Translate(lang, "chart.average", "Column", title(plan.Value), "Per", web.Translate(lang, perKey))
		lo, hi := minMax(c.Points)
		c.Summary = web.Translate(lang, "chart.time_summary", "Column", title(plan.Value), "From", c.Points[0].Label, "To", c.Points[len(c.Points)-1].Label, "Count", len(c.Points), "Lowest", shortNumber(lo), "Highest", shortNumber(hi))
		c.SVG = LineChartSVG(c.Title, c.Summary, c.Points)
	} else {
		counts := make([]map[string]int, len(q.Fields))
		for i := range counts {
			counts[i] = map[string]int{}
		}
		_, err := sel.Each(r.Context(), func(vals []any) error {
			read++
			for i, x := range vals {
				if len(counts[i]) > chartMaxCategories {
					continue
				}
				if sv := pubdata.FormatItemValue(x); sv != "" {
					counts[i][sv]++
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		for i, col := range q.Fields {
			if n := len(counts[i]); n < 2 || n > chartMaxCategories {
				continue
			}
			c = &entryChart{}
			for v, n := range counts[i] {
				c.Points = append(c.Points, ChartPoint{Label: v, Value: float64(n), Shown: strconv.Itoa(n)})
			}
			slices.SortFunc(c.Points, func(a, b ChartPoint) int {
				if a.Value != b.Value {
					return int(b.Value - a.Value)
				}
				return strings.Compare(a.Label, b.Label)
			})
			c.Title = web.Translate(lang, "chart.counts", "Column", title(col))
			c.Summary = web.Translate(lang, "chart.count_summary", "Column", title(col), "Count", len(c.Points), "Top", c.Points[0].Label, "TopRows", c.Points[0].Shown)
			c.SVG = BarChartSVG(c.Title, c.Summary, c.Points)
			break
		}
		if c == nil {
			return nil, nil
		}
	}
	if read >= chartSample && rows > read {
		c.Note = web.Translate(lang, "chart.sample", "Read", read, "Count", rows)
	}
	return c, nil
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
