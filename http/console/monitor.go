package console

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/svgchart"
)

// --- live monitoring (C2) and demand and usage analysis (H2) ---

// monitorView is /console/monitoring (the authority's board of its division's units) and
// /console/monitoring/units/{org} (one unit's board with its entries). Both read the cached
// aggregates only.
type monitorView struct {
	web.Page
	Board *web.MonitorBoard
	// Unit is the unit page's; nil on the division's board.
	Unit   *web.MonitorUnit
	Charts []boardChart
	Topics []topicRow
	// NextURL is the next page of the unit's entries.
	NextURL string
	// Division names the board's division.
	Division string
}

// boardChart is a chart over time with its values as a table (the accessible fallback).
type boardChart struct {
	ID, Title, Summary string
	SVG                template.HTML
	Series             []string
	Rows               []chartRow
}

type chartRow struct {
	Label  string
	Values []string
}

type topicRow struct {
	Label string
	pubdata.TopicFigures
}

// entryTable is a table of entries' figures: the problems, or a unit's entries.
type entryTable struct {
	View *monitorView
	ID   string
	List []pubdata.EntryFigures
}

// EntryTable names a list of entries for the table template.
func (v *monitorView) EntryTable(id string, list []pubdata.EntryFigures) entryTable {
	return entryTable{View: v, ID: id, List: list}
}

// Percent writes n of total as a percentage ("—" without a total).
func (v *monitorView) Percent(n, total int) string {
	if total == 0 {
		return "—"
	}
	return strconv.Itoa(int(math.Round(100*float64(n)/float64(total)))) + "%"
}

// Hours writes a reply time in hours ("—" without answers).
func (v *monitorView) Hours(h *float64) string {
	if h == nil {
		return "—"
	}
	return strconv.FormatFloat(*h, 'f', -1, 64)
}

// Score writes a score ("—" without one).
func (v *monitorView) Score(q *int) string {
	if q == nil {
		return "—"
	}
	return strconv.Itoa(*q)
}

// ProblemName names an entry's problem (the messages monitor.problem.<name>); "" none.
func (v *monitorView) ProblemName(p int) string {
	return map[int]string{pubdata.ProblemLate: "late", pubdata.ProblemFailedLoads: "failed_loads", pubdata.ProblemNever: "never",
		pubdata.ProblemStale: "stale", pubdata.ProblemPullFailing: "pull_failing"}[p]
}

func (s *Server) monitorCharts(lang string, days []pubdata.UnitDay) []boardChart {
	if len(days) == 0 {
		return nil
	}
	labels := make([]string, len(days))
	for i, d := range days {
		labels[i] = d.Day
	}
	series := func(get func(d pubdata.UnitDay) float64) []float64 {
		out := make([]float64, len(days))
		for i, d := range days {
			out[i] = get(d)
		}
		return out
	}
	mk := func(id, title string, ss []svgchart.Series) boardChart {
		c := boardChart{ID: id, Title: title}
		summary := web.Translate(lang, "monitor.chart.summary", "From", labels[0], "To", labels[len(labels)-1], "Count", len(labels))
		for _, s := range ss {
			c.Series = append(c.Series, s.Name)
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, v := range s.Values {
				if !math.IsNaN(v) {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
			if !math.IsInf(lo, 0) {
				summary += " " + web.Translate(lang, "monitor.chart.range", "Series", s.Name, "Lowest", svgchart.Short(lo), "Highest", svgchart.Short(hi),
					"Last", svgchart.Short(s.Values[len(s.Values)-1]))
			}
		}
		c.Summary = summary
		c.SVG = template.HTML(svgchart.Line(id, title, summary, labels, ss))
		for i, l := range labels {
			row := chartRow{Label: l}
			for _, s := range ss {
				if math.IsNaN(s.Values[i]) {
					row.Values = append(row.Values, "—")
				} else {
					row.Values = append(row.Values, strconv.FormatFloat(s.Values[i], 'f', -1, 64))
				}
			}
			c.Rows = append(c.Rows, row)
		}
		return c
	}
	return []boardChart{
		mk("chart-rows", web.Translate(lang, "monitor.chart.rows"), []svgchart.Series{{Name: web.Translate(lang, "monitor.rows"), Values: series(func(d pubdata.UnitDay) float64 { return float64(d.Rows) })}}),
		mk("chart-tables", web.Translate(lang, "monitor.chart.tables"), []svgchart.Series{
			{Name: web.Translate(lang, "monitor.with_data"), Values: series(func(d pubdata.UnitDay) float64 { return float64(d.WithData) })},
			{Name: web.Translate(lang, "monitor.fresh.stale"), Values: series(func(d pubdata.UnitDay) float64 { return float64(d.Stale) })},
			{Name: web.Translate(lang, "monitor.fresh.never"), Values: series(func(d pubdata.UnitDay) float64 { return float64(d.Never) })}}),
		mk("chart-uses", web.Translate(lang, "monitor.chart.uses"), []svgchart.Series{
			{Name: web.Translate(lang, "monitor.uses_day"), Values: series(func(d pubdata.UnitDay) float64 { return float64(d.Uses) })},
			{Name: web.Translate(lang, "monitor.requested_day"), Values: series(func(d pubdata.UnitDay) float64 { return float64(d.Requested) })},
			{Name: web.Translate(lang, "monitor.failed_day"), Values: series(func(d pubdata.UnitDay) float64 { return float64(d.Failed) })}}),
		mk("chart-quality", web.Translate(lang, "monitor.chart.quality"), []svgchart.Series{{Name: web.Translate(lang, "monitor.quality"), Values: series(func(d pubdata.UnitDay) float64 {
			if d.Quality == nil {
				return math.NaN()
			}
			return float64(*d.Quality)
		})}}),
	}
}

func (s *Server) topicRows(lang string, ts []pubdata.TopicFigures) []topicRow {
	out := make([]topicRow, 0, len(ts))
	for _, t := range ts {
		label := t.Category
		if t.Category != "" {
			if k := map[byte]string{'1': "entry.category.basic", '2': "entry.category.thematic", '3': "entry.category.departmental"}[t.Category[0]]; k != "" {
				label = fmt.Sprintf("%s %s", web.Translate(lang, k), t.Category)
			}
		}
		out = append(out, topicRow{Label: label, TopicFigures: t})
	}
	return out
}

// PageMonitoring is GET /console/monitoring?division=&days=: the authority's board; a
// unit's admin is sent to the unit's own page.
func (s *Server) PageMonitoring(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if scope, ok := pubdata.MonitorScopeFor(a); ok && scope.Org != "" && s.Monitor != nil {
		web.Redirect(w, r, "/console/monitoring/units/"+scope.Org)
		return nil
	}
	b, err := s.MonitoringBoard(r, r.URL.Query().Get("division"))
	if err != nil {
		return err
	}
	v := &monitorView{Page: s.Base(r, true), Board: b, Division: s.DivisionName(b.Division)}
	v.Charts = s.monitorCharts(v.Lang, b.History)
	v.Topics = s.topicRows(v.Lang, b.Topics)
	return s.Render(w, r, "monitoring", http.StatusOK, v)
}

// PageMonitoringUnit is GET /console/monitoring/units/{org}?cursor=&problems=: one unit's
// board with its entries, worst problem first.
func (s *Server) PageMonitoringUnit(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	u, err := s.MonitoringUnit(r, r.PathValue("org"))
	if err != nil {
		return err
	}
	v := &monitorView{Page: s.Base(r, true), Board: &u.MonitorBoard, Unit: u, Division: s.DivisionName(u.Unit.Division)}
	v.Charts = s.monitorCharts(v.Lang, u.History)
	v.Topics = s.topicRows(v.Lang, u.Topics)
	if u.Next != "" {
		q := r.URL.Query()
		q.Set("cursor", u.Next)
		v.NextURL = r.URL.Path + "?" + q.Encode()
	}
	return s.Render(w, r, "monitoring", http.StatusOK, v)
}
