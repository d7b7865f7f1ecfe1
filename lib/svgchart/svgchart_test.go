package svgchart

import (
	"math"
	"strings"
	"testing"
)

func TestLine(t *testing.T) {
	svg := Line("c1", "行数 <rows>", "desc & more", []string{"2026-09-01", "2026-09-02", "2026-09-03"},
		[]Series{{Name: "rows", Values: []float64{10, math.NaN(), 30}}, {Name: "uses", Values: []float64{1, 2, 3}}})
	for _, want := range []string{`aria-labelledby="c1-title c1-desc"`, `<title id="c1-title">行数 &lt;rows&gt;</title>`, `desc &amp; more`,
		`class="chart-line series-1"`, `>2026-09-03</text>`} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %s:\n%s", want, svg)
		}
	}
	// The gap splits the first series into two single-point polylines.
	if n := strings.Count(svg, `<polyline class="chart-line series-0"`); n != 2 {
		t.Errorf("series 0 drawn as %d lines", n)
	}
	if strings.Count(svg, "<circle") != 5 {
		t.Errorf("dots: %d", strings.Count(svg, "<circle"))
	}
}

func TestShort(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 12: "12", 0.5: "0.5", 12345: "12.3k", 2500000: "2.5M", -3: "-3"} {
		if got := Short(v); got != want {
			t.Errorf("Short(%v) = %q, want %q", v, got, want)
		}
	}
}
