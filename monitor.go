package pubdata

import (
	"context"
	"math"
	"sort"
	"time"
)

// Live monitoring (C2) and demand and usage analysis (H2), issue 13 items 4 and 8: for the
// authority and each unit, per unit and per entry, the rows and their growth, the quality
// score, the freshness against the update cycle, failed loads and pulls, catalogue coverage,
// reply times of applications, objections and problem tickets, and usage; the most used and
// most requested data and the unmet demands; alerts when a table goes stale or a pull fails
// repeatedly.
//
// The figures are cached aggregates: a serve job (MonitorService.Refresh) computes them from
// the platform's facts every few minutes and after loads and keeps one snapshot row per entry
// (EntryFigures), per unit (UnitFigures), per unit and topic (TopicFigures) and per unit and
// day (UnitDay, the history the charts draw). Pages and the API read only those rows.

// Freshness of a table on the board (TableFreshness, the rule compliance uses: fresh within
// one update cycle, due within two, stale after).
const (
	MonitorOnTime = "on_time" // loaded within its update cycle (or an irregular cycle, loaded)
	MonitorLate   = "late"    // past one cycle, within two
	MonitorStale  = "stale"   // past two cycles: a finding of compliance and an alert
	MonitorNever  = "never"   // a published table entry never loaded
	MonitorNoData = ""        // not a table entry (files, service interfaces)
)

// MonitorFreshness is TableFreshness in the board's words.
func MonitorFreshness(cycle string, lastLoaded *time.Time, now time.Time) string {
	switch TableFreshness(cycle, lastLoaded, now).Status {
	case "never":
		return MonitorNever
	case "due":
		return MonitorLate
	case "stale":
		return MonitorStale
	}
	return MonitorOnTime
}

// Windows of the figures.
const (
	// MonitorWindowDays is the span of usage, growth and failed loads (the last 30 days).
	MonitorWindowDays = 30
	// MonitorReplyDays is the span of the reply times (answers given in the last 90 days).
	MonitorReplyDays = 90
	// MonitorHistoryDays is the span of the charts (the days kept are not bounded).
	MonitorHistoryDays = 90
	// DefaultPullAlertFailures is the pull failures in a row that raise an alert.
	DefaultPullAlertFailures = 3
	// MonitorTopN bounds the lists of the board: most used, most requested, unmet demands.
	MonitorTopN = 10
	// MonitorProblemsN bounds the entries with problems the board lists.
	MonitorProblemsN = 50
)

// Problem levels of an entry, highest first; the board lists entries with a problem.
const (
	ProblemNone        = 0
	ProblemLate        = 1 // a table past one update cycle
	ProblemFailedLoads = 2 // failed loads in the window
	ProblemNever       = 3 // never loaded
	ProblemStale       = 4
	ProblemPullFailing = 5 // its pull failed PullAlertFailures times in a row
)

// EntryFigures are one published entry's figures.
type EntryFigures struct {
	Entry       string `json:"entry"`
	Title       string `json:"title"`
	Org         string `json:"org"`
	Division    string `json:"division"`
	Category    string `json:"category"` // the entry's category: the board's topic
	Format      string `json:"format"`
	UpdateCycle string `json:"update_cycle"`
	// Rows is the table's current rows; RowsAdded the rows loaded by the batches done in the
	// last MonitorWindowDays days (its growth).
	Rows         int64      `json:"rows"`
	RowsAdded    int64      `json:"rows_added"`
	LastLoadedAt *time.Time `json:"last_loaded_at,omitempty"`
	// Freshness: on_time, late, stale, never; "" for an entry without a table.
	Freshness string `json:"freshness"`
	// Quality is the latest score of its quality rules (0-100); nil: never checked.
	Quality *int `json:"quality"`
	// FailedLoads are its batches failed in the window; PullFailures the most failures in a
	// row of its pull sources, up to their last run.
	FailedLoads  int `json:"failed_loads"`
	PullFailures int `json:"pull_failures"`
	// Uses in the window.
	Views     int64 `json:"views"`
	Downloads int64 `json:"downloads"`
	APICalls  int64 `json:"api_calls"`
	// Problem is the entry's worst problem (Problem…); 0 none.
	Problem int `json:"problem"`
}

// Uses is the entry's uses of every kind in the window.
func (e *EntryFigures) Uses() int64 { return e.Views + e.Downloads + e.APICalls }

// ReplyFigures are the reply times of one kind of request to a unit: the answers given in
// the last MonitorReplyDays days (median and 90th percentile, in hours from the request to
// the answer) and the requests now past their due time without an answer.
type ReplyFigures struct {
	Answered int      `json:"answered"`
	Median   *float64 `json:"median_hours"`
	P90      *float64 `json:"p90_hours"`
	Overdue  int      `json:"overdue"`
}

// ReplyStats computes the figures of the reply times in hours.
func ReplyStats(hours []float64, overdue int) ReplyFigures {
	r := ReplyFigures{Answered: len(hours), Overdue: overdue}
	if len(hours) == 0 {
		return r
	}
	s := append([]float64(nil), hours...)
	sort.Float64s(s)
	m, p := Percentile(s, 50), Percentile(s, 90)
	r.Median, r.P90 = &m, &p
	return r
}

// Percentile is the p-th percentile of sorted values by the nearest rank, rounded to a tenth.
func Percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	i = max(0, min(i, len(sorted)-1))
	return math.Round(sorted[i]*10) / 10
}

// UnitFigures are one unit's figures (a public body), summed over its published entries.
type UnitFigures struct {
	Org      string `json:"org"`
	OrgName  string `json:"org_name"`
	Division string `json:"division"`
	// Entries are its published entries; Tables those of them with a table; WithData the
	// tables holding rows; Coverage WithData as a percentage of Tables (nil without tables).
	Entries   int   `json:"entries"`
	Tables    int   `json:"tables"`
	WithData  int   `json:"with_data"`
	Coverage  *int  `json:"coverage"`
	Rows      int64 `json:"rows"`
	RowsAdded int64 `json:"rows_added"`
	// Tables by freshness.
	OnTime int `json:"on_time"`
	Late   int `json:"late"`
	Stale  int `json:"stale"`
	Never  int `json:"never"`
	// Quality is the mean of its scored entries' scores; nil: none scored.
	Quality      *int  `json:"quality"`
	FailedLoads  int   `json:"failed_loads"`
	FailingPulls int   `json:"failing_pulls"` // entries whose pulls fail PullAlertFailures times in a row
	Views        int64 `json:"views"`
	Downloads    int64 `json:"downloads"`
	APICalls     int64 `json:"api_calls"`
	// Reply times.
	Applications ReplyFigures `json:"applications"`
	Objections   ReplyFigures `json:"objections"`
	Tickets      ReplyFigures `json:"tickets"`
	// Demands routed to the unit: still unmet (open, routed, planned) and answered.
	DemandsUnmet    int       `json:"demands_unmet"`
	DemandsAnswered int       `json:"demands_answered"`
	RefreshedAt     time.Time `json:"refreshed_at"`
}

// Uses is the unit's uses of every kind in the window.
func (u *UnitFigures) Uses() int64 { return u.Views + u.Downloads + u.APICalls }

// Problems counts the unit's tables that need attention: stale, never loaded, failing pulls.
func (u *UnitFigures) Problems() int { return u.Stale + u.Never + u.FailingPulls }

// AddEntry adds one entry's figures to the unit's (Finish then sets the means).
func (u *UnitFigures) AddEntry(e *EntryFigures, pullAlert int) {
	u.Entries++
	u.Rows += e.Rows
	u.RowsAdded += e.RowsAdded
	u.FailedLoads += e.FailedLoads
	u.Views, u.Downloads, u.APICalls = u.Views+e.Views, u.Downloads+e.Downloads, u.APICalls+e.APICalls
	if e.PullFailures >= pullAlert {
		u.FailingPulls++
	}
	if e.Freshness == MonitorNoData {
		return
	}
	u.Tables++
	if e.Rows > 0 {
		u.WithData++
	}
	switch e.Freshness {
	case MonitorOnTime:
		u.OnTime++
	case MonitorLate:
		u.Late++
	case MonitorStale:
		u.Stale++
	case MonitorNever:
		u.Never++
	}
}

// Finish sets the coverage and the mean quality from the sum of the scores of n entries.
func (u *UnitFigures) Finish(qualitySum, scored int) {
	if u.Tables > 0 {
		c := int(math.Round(100 * float64(u.WithData) / float64(u.Tables)))
		u.Coverage = &c
	}
	if scored > 0 {
		q := int(math.Round(float64(qualitySum) / float64(scored)))
		u.Quality = &q
	}
}

// EntryProblem is an entry's worst problem.
func EntryProblem(e *EntryFigures, pullAlert int) int {
	switch {
	case e.PullFailures >= pullAlert:
		return ProblemPullFailing
	case e.Freshness == MonitorStale:
		return ProblemStale
	case e.Freshness == MonitorNever:
		return ProblemNever
	case e.FailedLoads > 0:
		return ProblemFailedLoads
	case e.Freshness == MonitorLate:
		return ProblemLate
	}
	return ProblemNone
}

// TopicFigures are a unit's entries of one topic (category).
type TopicFigures struct {
	Org      string `json:"org,omitempty"`
	Category string `json:"category"`
	Entries  int    `json:"entries"`
	Rows     int64  `json:"rows"`
	Uses     int64  `json:"uses"`
}

// UnitDay is a unit's (or the sum of units') figures on one day (YYYY-MM-DD, China Standard Time): the charts'
// history. The day's row holds the figures of its last refresh; uses are that day's.
type UnitDay struct {
	Day       string `json:"day"`
	Org       string `json:"org,omitempty"`
	Rows      int64  `json:"rows"`
	Tables    int    `json:"tables"`
	WithData  int    `json:"with_data"`
	Stale     int    `json:"stale"`
	Never     int    `json:"never"`
	Quality   *int   `json:"quality"`
	Uses      int64  `json:"uses"`
	Failed    int    `json:"failed_loads"` // loads failed that day
	Requested int    `json:"requested"`    // demands filed that day
}

// SumDays adds units' days into one history, day by day (quality: the mean of the units').
func SumDays(days []UnitDay) []UnitDay {
	var out []UnitDay
	idx := map[string]int{}
	qsum, qn := map[string]int{}, map[string]int{}
	for _, d := range days {
		i, ok := idx[d.Day]
		if !ok {
			i = len(out)
			idx[d.Day] = i
			out = append(out, UnitDay{Day: d.Day})
		}
		o := &out[i]
		o.Rows += d.Rows
		o.Tables += d.Tables
		o.WithData += d.WithData
		o.Stale += d.Stale
		o.Never += d.Never
		o.Uses += d.Uses
		o.Failed += d.Failed
		o.Requested += d.Requested
		if d.Quality != nil {
			qsum[d.Day] += *d.Quality
			qn[d.Day]++
		}
	}
	for i := range out {
		if n := qn[out[i].Day]; n > 0 {
			q := int(math.Round(float64(qsum[out[i].Day]) / float64(n)))
			out[i].Quality = &q
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day < out[j].Day })
	return out
}

// SumUnits adds units' figures into one total (reply times are not summed: their counts
// are; quality is the mean of the units').
func SumUnits(units []UnitFigures) UnitFigures {
	var t UnitFigures
	qsum, qn := 0, 0
	for _, u := range units {
		t.Entries += u.Entries
		t.Tables += u.Tables
		t.WithData += u.WithData
		t.Rows += u.Rows
		t.RowsAdded += u.RowsAdded
		t.OnTime += u.OnTime
		t.Late += u.Late
		t.Stale += u.Stale
		t.Never += u.Never
		t.FailedLoads += u.FailedLoads
		t.FailingPulls += u.FailingPulls
		t.Views, t.Downloads, t.APICalls = t.Views+u.Views, t.Downloads+u.Downloads, t.APICalls+u.APICalls
		t.Applications.Answered += u.Applications.Answered
		t.Applications.Overdue += u.Applications.Overdue
		t.Objections.Answered += u.Objections.Answered
		t.Objections.Overdue += u.Objections.Overdue
		t.Tickets.Answered += u.Tickets.Answered
		t.Tickets.Overdue += u.Tickets.Overdue
		t.DemandsUnmet += u.DemandsUnmet
		t.DemandsAnswered += u.DemandsAnswered
		if u.Quality != nil {
			qsum += *u.Quality
			qn++
		}
		if u.RefreshedAt.After(t.RefreshedAt) {
			t.RefreshedAt = u.RefreshedAt
		}
	}
	t.Finish(qsum, qn)
	return t
}

// DemandFigure is a demand on the board: the most requested (by votes) and the unmet.
type DemandFigure struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Status    string    `json:"status"`
	Votes     int       `json:"votes"`
	Provider  string    `json:"provider,omitempty"`
	Division  string    `json:"division"`
	Entry     string    `json:"entry,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// MonitorScope is what a board shows: the units of a division (an authority's) or one unit.
type MonitorScope struct {
	Division string // the units inside it (DivisionCovers); "" with Org
	Org      string // one unit
}

// MonitorScopeFor is the board the actor sees by default: an authority's user the units of
// the authority's division, a unit's admin the unit; ok is false for anyone else.
func MonitorScopeFor(a *Actor) (MonitorScope, bool) {
	switch {
	case a.Anonymous() || a.Org == nil:
		return MonitorScope{}, false
	case a.IsAuthority():
		return MonitorScope{Division: a.Org.Division}, true
	case a.Org.Kind == KindPublicBody && a.Role() == RoleAdmin:
		return MonitorScope{Org: a.Org.Code}, true
	}
	return MonitorScope{}, false
}

// CanSeeMonitoring reports whether the actor sees the monitoring figures of the unit o: the
// users of an authority whose division covers the unit's, and the unit's own admins.
func CanSeeMonitoring(a *Actor, o *Org) bool {
	if a.Anonymous() || a.Org == nil || o == nil {
		return false
	}
	if a.IsAuthority() {
		return DivisionCovers(a.Org.Division, o.Division)
	}
	return a.Org.Code == o.Code && a.Role() == RoleAdmin
}

// CanSeeMonitoringDivision reports whether the actor sees the board of the units of a
// division: an authority's user covering it.
func CanSeeMonitoringDivision(a *Actor, division string) bool {
	return !a.Anonymous() && a.IsAuthority() && DivisionCovers(a.Org.Division, division)
}

// Alert kinds: a table gone stale, a pull failing repeatedly. An alert is raised once per
// episode (the condition starting) and closed when the condition ends; both are recorded.
const (
	AlertStale       = "stale"
	AlertPullFailing = "pull_failing"
)

// Notification keys of the alerts: to the unit's admins and reviewers and the covering
// authority's; e-mailed by the outbox like every notification.
const (
	NoticeMonitorStale       = "monitor.stale"
	NoticeMonitorPullFailing = "monitor.pull_failing"
)

func init() {
	both := func(p NoticeParties) []Recipient { return append(deciders(p.Provider), authorityDeciders(p)...) }
	NoticeRules[NoticeMonitorStale] = both
	NoticeRules[NoticeMonitorPullFailing] = both
}

// Alert is one episode of an alert.
type Alert struct {
	ID       string     `json:"id"`
	Kind     string     `json:"kind"`
	Entry    string     `json:"entry"`
	Title    string     `json:"title"`
	Org      string     `json:"org"`
	Division string     `json:"division"`
	Detail   string     `json:"detail,omitempty"` // the update cycle, the failures in a row
	OpenedAt time.Time  `json:"opened_at"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
}

// AlertConditions are the alerts an entry's figures call for now.
func AlertConditions(e *EntryFigures, pullAlert int) []string {
	var out []string
	if e.Freshness == MonitorStale {
		out = append(out, AlertStale)
	}
	if pullAlert > 0 && e.PullFailures >= pullAlert {
		out = append(out, AlertPullFailing)
	}
	return out
}

// RefreshResult says what a refresh did.
type RefreshResult struct {
	Entries, Units int
	Changed        int // entry rows written
	Opened, Closed int // alerts
	Took           time.Duration
}

// MonitorEntryFilter selects a unit's entries on its board.
type MonitorEntryFilter struct {
	Org       string
	Freshness string // one freshness, "" all
	Problems  bool   // only entries with a problem
	Limit     int
	Cursor    string
}

// MonitorService keeps the monitoring aggregates. Refresh is the only writer; the readers
// read the snapshot rows only (never the platform's whole tables).
type MonitorService interface {
	// Refresh recomputes the snapshot from the platform's facts at now, writes the changed
	// rows and today's history, and raises or closes alerts (each recorded, a raised one
	// notified) with the pull failures in a row that raise one (0: the default).
	Refresh(ctx context.Context, now time.Time, pullAlert int) (*RefreshResult, error)
	// Units returns the figures of the units in scope, by org code.
	Units(ctx context.Context, scope MonitorScope) ([]UnitFigures, error)
	// History returns the days in scope from the day from (YYYY-MM-DD), summed over the
	// units (quality: the mean of the units'), by day.
	History(ctx context.Context, scope MonitorScope, from string) ([]UnitDay, error)
	// Topics returns the figures by topic in scope, summed over its units, by uses.
	Topics(ctx context.Context, scope MonitorScope) ([]TopicFigures, error)
	// TopEntries returns the most used entries in scope (at most n).
	TopEntries(ctx context.Context, scope MonitorScope, n int) ([]EntryFigures, error)
	// ProblemEntries returns the entries in scope with a problem, worst first, then by id
	// (newest first), at most n.
	ProblemEntries(ctx context.Context, scope MonitorScope, n int) ([]EntryFigures, error)
	// Entries returns a page of a unit's entries, worst problem first, then by title.
	Entries(ctx context.Context, f MonitorEntryFilter) ([]EntryFigures, string, error)
	// Demands returns the most requested demands in scope (by votes; unmet false) or the
	// unmet ones (open, routed or planned; by votes, then oldest), at most n.
	Demands(ctx context.Context, scope MonitorScope, unmet bool, n int) ([]DemandFigure, error)
	// Alerts returns the open alerts in scope, newest first (at most n).
	Alerts(ctx context.Context, scope MonitorScope, n int) ([]Alert, error)
}
