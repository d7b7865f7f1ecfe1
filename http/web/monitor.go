package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
)

// Live monitoring (C2) and demand and usage analysis (H2): the operations the API and the
// console both perform. They read the cached aggregates only (pubdata.MonitorService, kept
// by serve's monitor job); who sees what is the domain's (CanSeeMonitoring,
// CanSeeMonitoringDivision, MonitorScopeFor).

// MonitorService returns the monitoring service, or ENOTFOUND when the server has none.
func (s *Server) MonitorService() (pubdata.MonitorService, error) {
	if s.Monitor == nil {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Monitoring is not available on this server.").Keyed("error.not_available.monitoring")
	}
	return s.Monitor, nil
}

// MonitorBoard is the board of a division's units (an authority's) or of one unit.
type MonitorBoard struct {
	Division string `json:"division,omitempty"`
	Org      string `json:"org,omitempty"`
	At       string `json:"at"`
	// Days is the span of the history.
	Days int `json:"days"`
	// Total sums the units' figures; Units lists them by org code.
	Total pubdata.UnitFigures   `json:"total"`
	Units []pubdata.UnitFigures `json:"units"`
	// History sums the units' days (the charts).
	History []pubdata.UnitDay `json:"history"`
	// The lists: the most used entries, the entries with a problem (worst first), the most
	// requested and the unmet demands, the topics by uses, the open alerts.
	MostUsed  []pubdata.EntryFigures `json:"most_used"`
	Problems  []pubdata.EntryFigures `json:"problems"`
	Requested []pubdata.DemandFigure `json:"most_requested"`
	Unmet     []pubdata.DemandFigure `json:"unmet_demands"`
	Topics    []pubdata.TopicFigures `json:"topics"`
	Alerts    []pubdata.Alert        `json:"alerts"`
}

// MonitorUnit is one unit's board with a page of its entries.
type MonitorUnit struct {
	MonitorBoard
	Unit    pubdata.UnitFigures    `json:"unit"`
	Entries []pubdata.EntryFigures `json:"entries"`
	Next    string                 `json:"next_cursor,omitempty"`
}

func forbiddenMonitoring() error {
	return pubdata.Errorf(pubdata.EFORBIDDEN, "Only the authority covering a unit and the unit's administrators see its monitoring figures.").Keyed("error.monitoring.forbidden")
}

// MonitorDays reads ?days= (the history's span): 1 to 366, default MonitorHistoryDays.
func MonitorDays(r *http.Request) (int, error) {
	v := strings.TrimSpace(r.URL.Query().Get("days"))
	if v == "" {
		return pubdata.MonitorHistoryDays, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 366 {
		return 0, ParamError("days", pubdata.NewMessage("error.param.days", "Value", v), "must be 1 to 366, not %q.", v)
	}
	return n, nil
}

// board fills the board of scope.
func (s *Server) board(r *http.Request, scope pubdata.MonitorScope, days int) (*MonitorBoard, error) {
	svc := s.Monitor
	ctx := r.Context()
	now := s.Now()
	b := &MonitorBoard{Division: scope.Division, Org: scope.Org, At: now.UTC().Format(time.RFC3339), Days: days}
	var err error
	if b.Units, err = svc.Units(ctx, scope); err != nil {
		return nil, err
	}
	b.Total = pubdata.SumUnits(b.Units)
	if b.History, err = svc.History(ctx, scope, pubdata.Today(now.Add(-time.Duration(days-1)*24*time.Hour))); err != nil {
		return nil, err
	}
	if b.MostUsed, err = svc.TopEntries(ctx, scope, pubdata.MonitorTopN); err != nil {
		return nil, err
	}
	if b.Problems, err = svc.ProblemEntries(ctx, scope, pubdata.MonitorProblemsN); err != nil {
		return nil, err
	}
	if b.Requested, err = svc.Demands(ctx, scope, false, pubdata.MonitorTopN); err != nil {
		return nil, err
	}
	if b.Unmet, err = svc.Demands(ctx, scope, true, pubdata.MonitorTopN); err != nil {
		return nil, err
	}
	if b.Topics, err = svc.Topics(ctx, scope); err != nil {
		return nil, err
	}
	if b.Alerts, err = svc.Alerts(ctx, scope, pubdata.MonitorProblemsN); err != nil {
		return nil, err
	}
	return b, nil
}

// MonitoringBoard returns the board of division ("" the caller's authority's) for an
// authority's user covering it; a unit's admin gets the unit's own board (division must be
// empty). Anyone else: 403.
func (s *Server) MonitoringBoard(r *http.Request, division string) (*MonitorBoard, error) {
	if _, err := s.MonitorService(); err != nil {
		return nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	scope, ok := pubdata.MonitorScopeFor(a)
	if !ok {
		return nil, forbiddenMonitoring()
	}
	days, err := MonitorDays(r)
	if err != nil {
		return nil, err
	}
	if division != "" {
		if !pubdata.ValidDivisionSyntax(division) {
			return nil, ParamError("division", pubdata.NewMessage("error.param.division", "Value", division), "must be a six-digit division code, not %q.", division)
		}
		if !pubdata.CanSeeMonitoringDivision(a, division) {
			return nil, forbiddenMonitoring()
		}
		scope = pubdata.MonitorScope{Division: division}
	}
	return s.board(r, scope, days)
}

// MonitoringUnit returns the board of the unit org with a page of its entries (cursor;
// problems: only those with a problem; freshness: one freshness).
func (s *Server) MonitoringUnit(r *http.Request, org string) (*MonitorUnit, error) {
	svc, err := s.MonitorService()
	if err != nil {
		return nil, err
	}
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	o, err := s.Orgs.FindOrgByCode(r.Context(), org)
	if pubdata.ErrorCode(err) == pubdata.ENOTFOUND {
		return nil, forbiddenMonitoring() // the same answer whether or not it exists
	} else if err != nil {
		return nil, err
	}
	if !pubdata.CanSeeMonitoring(a, o) {
		return nil, forbiddenMonitoring()
	}
	days, err := MonitorDays(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	limit, cursor, err := PageParams(q)
	if err != nil {
		return nil, err
	}
	f := pubdata.MonitorEntryFilter{Org: o.Code, Limit: limit, Cursor: cursor, Problems: q.Get("problems") == "1" || q.Get("problems") == "true"}
	if fr := strings.TrimSpace(q.Get("freshness")); fr != "" {
		switch fr {
		case pubdata.MonitorOnTime, pubdata.MonitorLate, pubdata.MonitorStale, pubdata.MonitorNever:
			f.Freshness = fr
		default:
			return nil, ParamError("freshness", pubdata.NewMessage("error.param.freshness", "Value", fr), "must be on_time, late, stale or never, not %q.", fr)
		}
	}
	b, err := s.board(r, pubdata.MonitorScope{Org: o.Code}, days)
	if err != nil {
		return nil, err
	}
	u := &MonitorUnit{MonitorBoard: *b, Unit: pubdata.UnitFigures{Org: o.Code, OrgName: o.Name, Division: o.Division}}
	if len(b.Units) == 1 {
		u.Unit = b.Units[0]
	}
	if u.Entries, u.Next, err = svc.Entries(r.Context(), f); err != nil {
		return nil, err
	}
	return u, nil
}
