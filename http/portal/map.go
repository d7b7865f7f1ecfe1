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

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/http/web"
)

// The entry page's map: for a table whose items hold coordinates (a longitude and a
// latitude column, read in clear), an SVG the server draws from a grid the database counts
// over every row the visitor may read (access.Selection.Grid): one dot per cell that holds
// rows, at their mean position, sized by their number. At most mapCols × mapRows dots
// whatever the table's size; the densest cells are also listed as a table.

// The names of coordinate columns (alone or after a prefix and "_": stop_lng, stop_lat).
var (
	longitudeNames = []string{"longitude", "lng", "lon"}
	latitudeNames  = []string{"latitude", "lat"}
)

// Bounds of the map.
const (
	mapCols, mapRows = 28, 20 // the grid's cells: at most 560 dots, coarse enough to show density
	mapTableRows     = 20     // the densest cells listed in the table
)

// The drawing's size (viewBox units; the page scales it to its width).
const (
	mapW, mapMaxH, mapMinH = 640.0, 440.0, 200.0
	mapPad                 = 24.0
	mapTitleID, mapDescID  = "map-svg-title", "map-svg-desc"
	mapMinSpan             = 0.01 // degrees: the least extent drawn (one place)
)

// entryMap is the map on the entry page.
type entryMap struct {
	Title   string
	Summary string // the accessible text: how many rows, where, the densest place
	SVG     template.HTML
	Cells   []mapCell // the densest cells, for the table
	More    int       // cells not listed in the table
	Note    string    // the rows it was computed from (translated)
}

// mapCell is a row of the map's table.
type mapCell struct {
	Lng, Lat string // the mean position
	Points   int64
}

// mapPlan is the coordinate columns of a map.
type mapPlan struct {
	Lng, Lat string
}

// coordinateName returns the prefix of a column named as a coordinate of one of names
// ("" for the name alone) and whether it is one.
func coordinateName(name string, names []string) (string, bool) {
	for _, n := range names {
		if name == n {
			return "", true
		}
		if p, ok := strings.CutSuffix(name, "_"+n); ok {
			return p, true
		}
	}
	return "", false
}

// PlanMap picks a longitude and a latitude column with the same prefix among the number
// items the visitor reads in clear (not personal).
func PlanMap(items []pubdata.Item, d pubdata.AccessDecision) (mapPlan, bool) {
	lngs := map[string]string{}
	var lats []pubdata.Item
	for _, it := range items {
		if !clearItem(it, d) || (it.Type != "number" && it.Type != "integer") {
			continue
		}
		if p, ok := coordinateName(it.Name, longitudeNames); ok {
			if _, seen := lngs[p]; !seen {
				lngs[p] = it.Name
			}
		} else if _, ok := coordinateName(it.Name, latitudeNames); ok {
			lats = append(lats, it)
		}
	}
	for _, it := range lats {
		p, _ := coordinateName(it.Name, latitudeNames)
		if lng, ok := lngs[p]; ok {
			return mapPlan{Lng: lng, Lat: it.Name}, true
		}
	}
	return mapPlan{}, false
}

// entryMapFor draws the map of the published entry e for the visitor, or returns nil when
// its items hold no coordinates the visitor reads in clear, no row has any, or the grid
// outlasts chartTimeout.
func (s *Server) entryMapFor(r *http.Request, e *pubdata.Entry, rd *access.Read, rows int64) (*entryMap, error) {
	d := rd.Decision()
	if s.Data == nil || !chartable(d) || rows < 1 {
		return nil, nil
	}
	items, err := pubdata.TableItems(e)
	if err != nil {
		return nil, nil
	}
	plan, ok := PlanMap(items, d)
	if !ok {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), chartTimeout)
	defer cancel()
	sel, err := rd.Select(ctx, &pubdata.RowQuery{Fields: []string{plan.Lng, plan.Lat}}, access.KindChart)
	var g *pubdata.Grid
	if err == nil {
		g, err = sel.Grid(ctx, pubdata.RowGrid{X: plan.Lng, Y: plan.Lat, Cols: mapCols, Rows: mapRows})
	}
	if err != nil {
		if ctx.Err() != nil && r.Context().Err() == nil || web.ErrorIs(err, pubdata.EFORBIDDEN) || web.ErrorIs(err, pubdata.EINVALID) {
			return nil, nil
		}
		return nil, err
	}
	if g.Points == 0 {
		return nil, nil
	}
	lang := web.LangFrom(r.Context())
	m := &entryMap{Title: web.Translate(lang, "map.title")}
	dense := slices.Clone(g.Cells)
	slices.SortStableFunc(dense, func(a, b pubdata.GridCell) int {
		switch {
		case a.Points > b.Points:
			return -1
		case a.Points < b.Points:
			return 1
		}
		return 0
	})
	for i, c := range dense {
		if i == mapTableRows {
			m.More = len(dense) - i
			break
		}
		m.Cells = append(m.Cells, mapCell{Lng: degrees(c.X), Lat: degrees(c.Y), Points: c.Points})
	}
	m.Summary = web.Translate(lang, "map.summary", "Count", g.Points, "Areas", len(g.Cells),
		"West", degrees(g.West), "East", degrees(g.East), "South", degrees(g.South), "North", degrees(g.North),
		"Lng", m.Cells[0].Lng, "Lat", m.Cells[0].Lat, "Top", m.Cells[0].Points)
	m.Note = web.Translate(lang, "map.note", "Count", g.Points, "Areas", len(g.Cells))
	m.SVG = MapSVG(m.Title, m.Summary, g, func(c pubdata.GridCell) string {
		return web.Translate(lang, "map.dot", "Lng", degrees(c.X), "Lat", degrees(c.Y), "Count", c.Points)
	})
	return m, nil
}

// degrees shows a coordinate with at most five decimals (about a metre).
func degrees(v float64) string {
	s := strconv.FormatFloat(v, 'f', 5, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// MapSVG draws the cells of a grid as dots at their mean positions (an equirectangular
// projection, its longitude scaled by the cosine of the middle latitude), their areas in
// proportion to their rows, over a frame labelled with the extent's bounds. label is each
// dot's tooltip.
func MapSVG(title, summary string, g *pubdata.Grid, label func(pubdata.GridCell) string) template.HTML {
	west, east, south, north := g.West, g.East, g.South, g.North
	if d := mapMinSpan - (east - west); d > 0 {
		west, east = west-d/2, east+d/2
	}
	if d := mapMinSpan - (north - south); d > 0 {
		south, north = south-d/2, north+d/2
	}
	kx := math.Cos((south + north) / 2 * math.Pi / 180)
	spanX, spanY := (east-west)*kx, north-south
	plotW := mapW - 2*mapPad
	scale := plotW / spanX
	plotH := spanY * scale
	if plotH > mapMaxH-2*mapPad { // a tall extent: fit the height, centre the width
		scale = (mapMaxH - 2*mapPad) / spanY
		plotH = mapMaxH - 2*mapPad
	}
	h := math.Max(plotH+2*mapPad, mapMinH)
	offX := (mapW - spanX*scale) / 2
	offY := (h - plotH) / 2
	px := func(lng float64) float64 { return offX + (lng-west)*kx*scale }
	py := func(lat float64) float64 { return offY + (north-lat)*scale }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="map-svg" viewBox="0 0 %g %.0f" role="img" aria-labelledby="%s %s" xmlns="http://www.w3.org/2000/svg">`, mapW, h, mapTitleID, mapDescID)
	fmt.Fprintf(&b, `<title id="%s">%s</title><desc id="%s">%s</desc>`, mapTitleID, html.EscapeString(title), mapDescID, html.EscapeString(summary))
	fmt.Fprintf(&b, `<rect class="map-frame" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, px(west), py(north), px(east)-px(west), py(south)-py(north))
	// The frame's bounds: west and east under it, north and south along its left.
	fmt.Fprintf(&b, `<text class="chart-tick" x="%.1f" y="%.1f" text-anchor="start">%s°</text>`, px(west), py(south)+16, html.EscapeString(degrees(west)))
	fmt.Fprintf(&b, `<text class="chart-tick" x="%.1f" y="%.1f" text-anchor="end">%s°</text>`, px(east), py(south)+16, html.EscapeString(degrees(east)))
	fmt.Fprintf(&b, `<text class="chart-tick" x="%.1f" y="%.1f" text-anchor="start">%s°</text>`, px(west)+4, py(north)+14, html.EscapeString(degrees(north)))
	fmt.Fprintf(&b, `<text class="chart-tick" x="%.1f" y="%.1f" text-anchor="start">%s°</text>`, px(west)+4, py(south)-6, html.EscapeString(degrees(south)))
	var most int64 = 1
	for _, c := range g.Cells {
		most = max(most, c.Points)
	}
	// The largest dot's radius is about half a cell, at least 6 and at most 16 units.
	cell := math.Min(g.CellW*kx, g.CellH) * scale
	rMax := math.Min(math.Max(cell/2, 6), 16)
	for _, c := range g.Cells {
		r := math.Max(1.5, rMax*math.Sqrt(float64(c.Points)/float64(most)))
		fmt.Fprintf(&b, `<circle class="map-dot" cx="%.1f" cy="%.1f" r="%.1f"><title>%s</title></circle>`, px(c.X), py(c.Y), r, html.EscapeString(label(c)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
