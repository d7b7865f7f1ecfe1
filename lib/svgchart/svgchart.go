// Package svgchart draws small accessible charts as inline SVG on the server (no script):
// each chart names itself with <title> and <desc> (aria-labelledby, ids made unique by the
// caller's prefix, so a page may hold several), and the caller shows the same values as a
// table beside it. Pure functions: the output is escaped text ready to be inlined.
package svgchart

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// Series is one line of a chart: its name (the legend and the points' tooltips) and one
// value per label; NaN leaves a gap.
type Series struct {
	Name   string
	Values []float64
}

// The drawing's size in viewBox units (the page scales it to its width).
const (
	width, height = 640.0, 240.0
	left, right   = 56.0, 16.0
	top, bottom   = 28.0, 36.0
	plotW, plotH  = width - left - right, height - top - bottom
)

// Line draws the series over the labels (in time order) with a value axis from zero (or the
// lowest value below it); the first, middle and last labels are written under the axis.
// id prefixes the ids of the title and description.
func Line(id, title, desc string, labels []string, series []Series) string {
	var b strings.Builder
	tid, did := id+"-title", id+"-desc"
	fmt.Fprintf(&b, `<svg class="chart-svg" id="%s" viewBox="0 0 %g %g" role="img" aria-labelledby="%s %s" xmlns="http://www.w3.org/2000/svg">`,
		html.EscapeString(id), width, height, html.EscapeString(tid), html.EscapeString(did))
	fmt.Fprintf(&b, `<title id="%s">%s</title><desc id="%s">%s</desc>`, html.EscapeString(tid), html.EscapeString(title), html.EscapeString(did), html.EscapeString(desc))
	lo, hi := 0.0, 0.0
	for _, s := range series {
		for _, v := range s.Values {
			if !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	span := NiceMax(hi - lo)
	for i := 0; i <= 2; i++ {
		v := lo + span*float64(i)/2
		y := top + plotH - plotH*float64(i)/2
		fmt.Fprintf(&b, `<line class="chart-grid" x1="%g" y1="%.1f" x2="%g" y2="%.1f"/>`, left, y, width-right, y)
		fmt.Fprintf(&b, `<text class="chart-tick" x="%g" y="%.1f" text-anchor="end">%s</text>`, left-6, y+4, html.EscapeString(Short(v)))
	}
	n := len(labels)
	x := func(i int) float64 {
		if n <= 1 {
			return left + plotW/2
		}
		return left + plotW*float64(i)/float64(n-1)
	}
	y := func(v float64) float64 { return top + plotH - plotH*(v-lo)/span }
	for si, s := range series {
		cls := "chart-line series-" + strconv.Itoa(si)
		var pts []string
		flush := func() {
			if len(pts) > 0 {
				fmt.Fprintf(&b, `<polyline class="%s" fill="none" points="%s"/>`, cls, strings.Join(pts, " "))
				pts = pts[:0]
			}
		}
		for i, v := range s.Values {
			if i >= n || math.IsNaN(v) {
				flush()
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
		}
		flush()
		for i, v := range s.Values {
			if i >= n || math.IsNaN(v) {
				continue
			}
			fmt.Fprintf(&b, `<circle class="chart-dot series-%d" cx="%.1f" cy="%.1f" r="2.5"><title>%s %s: %s</title></circle>`,
				si, x(i), y(v), html.EscapeString(s.Name), html.EscapeString(labels[i]), html.EscapeString(Short(v)))
		}
		// The legend, above the plot.
		lx := left + float64(si)*160
		fmt.Fprintf(&b, `<line class="chart-line series-%d" x1="%.1f" y1="12" x2="%.1f" y2="12"/>`, si, lx, lx+18)
		fmt.Fprintf(&b, `<text class="chart-tick" x="%.1f" y="16">%s</text>`, lx+22, html.EscapeString(s.Name))
	}
	if n > 0 {
		for _, i := range dedupe([]int{0, n / 2, n - 1}) {
			anchor := "middle"
			switch i {
			case 0:
				anchor = "start"
			case n - 1:
				anchor = "end"
			}
			fmt.Fprintf(&b, `<text class="chart-tick" x="%.1f" y="%g" text-anchor="%s">%s</text>`, x(i), height-12, anchor, html.EscapeString(labels[i]))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func dedupe(is []int) []int {
	var out []int
	for _, i := range is {
		if len(out) == 0 || out[len(out)-1] != i {
			out = append(out, i)
		}
	}
	return out
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

// Short writes a number briefly: 1.2k, 3.4M, 12, 0.5.
func Short(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return trim(v/1e9) + "G"
	case a >= 1e6:
		return trim(v/1e6) + "M"
	case a >= 1e4:
		return trim(v/1e3) + "k"
	}
	return trim(v)
}

func trim(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		s = "0"
	}
	return s
}
