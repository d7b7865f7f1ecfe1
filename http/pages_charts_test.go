package http

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/portal"
	"github.com/pubdata/pubdata/http/web"
)

// The entry page's chart, map and preview counts (issue 11 item 5): the chart and the map
// are aggregates over the whole table the visitor reads; masked, personal and unreadable
// columns are never drawn; the preview counts the matching rows and numbers its pages.

// stationBody is an hourly readings table: station, time, AQI, a kind of few values, and
// the station's coordinates; home_lng/home_lat are personal coordinates (never mapped for
// the public).
func stationBody(title, open string) map[string]any {
	b := entryBody(title, pubdata.ClassUnconditional, open)
	b["items"] = []map[string]any{
		{"name": "station", "title": "监测站", "type": "string", "key": true},
		{"name": "at", "title": "监测时间", "type": "datetime", "key": true},
		{"name": "aqi", "title": "空气质量指数", "type": "integer"},
		{"name": "kind", "title": "站点类型", "type": "string"},
		{"name": "longitude", "title": "经度", "type": "number"},
		{"name": "latitude", "title": "纬度", "type": "number"},
		{"name": "owner_lng", "title": "负责人住址经度", "type": "number", "personal": true},
		{"name": "owner_lat", "title": "负责人住址纬度", "type": "number", "personal": true},
	}
	return b
}

// stationCSV is 21 days × 5 stations × 24 hours (2,520 rows): more than the newest 2,000
// rows an earlier chart read, which covered only the last 17 days. Station s's AQI on day d
// is 10·d + s (so the daily mean is 10·d + 2).
func stationCSV() []byte {
	var b strings.Builder
	b.WriteString("station,at,aqi,kind,longitude,latitude,owner_lng,owner_lat\n")
	for d := 1; d <= 21; d++ {
		for s := range 5 {
			for h := range 24 {
				kind := []string{"城市", "城市", "郊区", "背景", "交通"}[s]
				fmt.Fprintf(&b, "S%d,2026-03-%02dT%02d:00:00Z,%d,%s,%.4f,%.4f,%.4f,%.4f\n", s, d, h, 10*d+s, kind, 119.2+0.05*float64(s), 26.0+0.03*float64(s), 119.31234, 26.07654)
			}
		}
	}
	return []byte(b.String())
}

func TestEntryChartMapAndPreviewCount(t *testing.T) {
	e := newDataEnv(t)
	open := e.publish(pbEditor, e.createEntry(pbEditor, stationBody("空气质量监测数据", pubdata.ClassUnconditional)).ID)
	cond := e.publish(pbEditor, e.createEntry(pbEditor, stationBody("重点站点监测数据", pubdata.ClassConditional)).ID)
	for _, en := range []*pubdata.Entry{open, cond} {
		if b := e.batchOf(e.send("POST", "/api/v1/entries/"+en.ID+"/data", pbEditor, "text/csv", stationCSV(), nil), pbEditor, http.StatusCreated); b.Status != pubdata.BatchDone || b.RowsLoaded != 2520 {
			t.Fatalf("load %s: %+v", en.Title, b)
		}
	}
	tableRows := regexp.MustCompile(`<tr><th scope="row">([^<]+)</th><td>([^<]+)</td></tr>`)
	for _, lang := range []string{web.LangZH, web.LangEN} {
		w := e.page("GET", "/catalog/"+open.ID, nil, lang, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("entry page: %d", w.Code)
		}
		body := w.Body.String()
		checkPage(t, body, lang)
		// The chart: all 21 days, each day's mean over its 120 rows.
		chart := pageSection(t, body, "entry-chart")
		points := tableRows.FindAllStringSubmatch(chart, -1)
		if len(points) != 21 {
			t.Fatalf("%s: the chart has %d points, want the 21 days:\n%s", lang, len(points), chart)
		}
		for i, p := range points {
			if day, mean := fmt.Sprintf("2026-03-%02d", i+1), fmt.Sprint(10*(i+1)+2); p[1] != day || p[2] != mean {
				t.Errorf("%s: point %d is %s = %s, want %s = %s", lang, i, p[1], p[2], day, mean)
			}
		}
		wantNote := map[string]string{web.LangZH: "全部 2520 条记录", web.LangEN: "all 2520 rows"}[lang]
		if !strings.Contains(chart, wantNote) || !strings.Contains(chart, `role="img"`) {
			t.Errorf("%s: the chart does not say it was computed from %q", lang, wantNote)
		}
		// The map: the five stations' cells, the personal coordinates never shown.
		m := pageSection(t, body, "entry-map")
		if n := strings.Count(m, `<circle class="map-dot"`); n != 5 {
			t.Errorf("%s: the map has %d dots, want 5 (one per station)", lang, n)
		}
		for _, s := range []string{`class="map-svg"`, `role="img"`, `aria-labelledby="map-svg-title map-svg-desc"`, "<td>119.2</td><td>26</td><td>504</td>"} {
			if !strings.Contains(m, s) {
				t.Errorf("%s: the map lacks %s:\n%.2000s", lang, s, m)
			}
		}
		if strings.Contains(body, "119.31234") || strings.Contains(body, "26.07654") {
			t.Errorf("%s: a personal coordinate is on the page (masked for the public)", lang)
		}
		// The preview: the readable rows counted, the page numbered.
		if c := elementText(t, body, "preview-count"); !strings.Contains(c, "2520") || !strings.Contains(c, "1–20") {
			t.Errorf("%s: preview count %q", lang, c)
		}
	}

	// A filter: the matching rows counted; the next page keeps the filter and the sort,
	// numbers its rows and returns to the preview.
	path := "/catalog/" + open.ID + "?col=kind&op=eq&val=城市&_sort=-aqi"
	body := e.page("GET", path, nil, web.LangZH, nil).Body.String()
	if c := elementText(t, body, "preview-count"); c != "符合条件的记录：1008 条 · 本页为第 1–20 条" {
		t.Errorf("filtered count %q", c)
	}
	next := regexp.MustCompile(`<a href="([^"]+)">` + regexp.QuoteMeta(web.Translate(web.LangZH, "common.next"))).FindStringSubmatch(body)
	if next == nil {
		t.Fatal("no next page link")
	}
	link := html.UnescapeString(next[1])
	for _, s := range []string{"col=kind", "val=%E5%9F%8E%E5%B8%82", "_sort=-aqi", "_start=20", "_cursor=", "#data-preview"} {
		if !strings.Contains(link, s) {
			t.Errorf("next link %s lacks %s", link, s)
		}
	}
	body = e.page("GET", strings.TrimSuffix(link, "#data-preview"), nil, web.LangEN, nil).Body.String()
	if c := elementText(t, body, "preview-count"); c != "1008 matching rows · this page: rows 21–40" {
		t.Errorf("second page count %q", c)
	}
	for _, s := range []string{`action="/catalog/` + open.ID + `#data-preview"`, `_sort=aqi&amp;col=kind&amp;op=eq&amp;val=%E5%9F%8E%E5%B8%82#data-preview"`} {
		if !strings.Contains(body, s) {
			t.Errorf("second page lacks %s:\n%s", s, pageSection(t, body, "data-preview"))
		}
	}
	// A sort link starts the new order from its first page (a place is bound to its sort).
	if strings.Contains(regexp.MustCompile(`<th scope="col"[^>]*><a href="([^"]+)"`).FindStringSubmatch(body)[1], "_cursor") {
		t.Error("a sort link keeps the cursor of another order")
	}
	body = e.page("GET", "/catalog/"+open.ID+"?col=aqi&op=gt&val=1000", nil, web.LangZH, nil).Body.String()
	if c := elementText(t, body, "preview-count"); c != "符合条件的记录：0 条" {
		t.Errorf("no match: count %q", c)
	}

	// Who may not read the rows sees no chart, no map and no count: the conditionally open
	// entry for the public and for a citizen without a grant.
	for _, as := range []*http.Cookie{nil, e.login(citizen)} {
		body := e.page("GET", "/catalog/"+cond.ID, as, web.LangZH, nil).Body.String()
		for _, s := range []string{`id="entry-chart"`, `id="entry-map"`, `id="preview-count"`, "map-svg", "chart-svg"} {
			if strings.Contains(body, s) {
				t.Errorf("the conditional entry's page shows %s to a reader without a grant", s)
			}
		}
	}
}

// TestMapSVG: one place is drawn in a frame of the least span; labels are escaped; every
// cell is one dot; the drawing declares its title and description.
func TestMapSVG(t *testing.T) {
	one := &pubdata.Grid{Points: 3, West: 119.3, East: 119.3, South: 26.1, North: 26.1, Cols: 4, Rows: 4, CellW: 1e-9, CellH: 1e-9,
		Cells: []pubdata.GridCell{{Points: 3, X: 119.3, Y: 26.1}}}
	many := &pubdata.Grid{Points: 10, West: 100, East: 120, South: 20, North: 40, Cols: 2, Rows: 2, CellW: 10, CellH: 10,
		Cells: []pubdata.GridCell{{Points: 1, X: 101, Y: 21}, {Col: 1, Row: 1, Points: 9, X: 119, Y: 39}}}
	for name, g := range map[string]*pubdata.Grid{"one": one, "many": many} {
		svg := string(portal.MapSVG("位置<分布>", "说明 & 范围", g, func(c pubdata.GridCell) string { return fmt.Sprintf("<%d>", c.Points) }))
		if strings.Count(svg, "<circle") != len(g.Cells) || !strings.Contains(svg, "&lt;分布&gt;") || !strings.Contains(svg, "说明 &amp; 范围") ||
			strings.Contains(svg, "<3>") || strings.Contains(svg, "style=") || strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
			t.Errorf("%s: %s", name, svg)
		}
	}
}

// pageSection returns the HTML of the section labelled by id (to its closing tag).
func pageSection(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `<section aria-labelledby="`+id+`"`)
	if i < 0 {
		t.Fatalf("no section %s", id)
	}
	j := strings.Index(body[i:], "</section>")
	return body[i : i+j]
}

// elementText returns the text of the element with the id (tags dropped, spaces collapsed).
func elementText(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no element %s", id)
	}
	i += strings.Index(body[i:], ">") + 1
	j := strings.Index(body[i:], "</p>")
	s := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(body[i:i+j], "")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}
