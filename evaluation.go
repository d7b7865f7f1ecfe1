package pubdata

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Evaluation (评估, H1; issue 13 item 5): each unit (a public body) is scored per period — a
// month "2026-11", a quarter "2026-Q4" or a year "2026" — from what the platform recorded:
// its catalogue, its tables, their freshness and quality, what it shares and opens, how it
// answers applications, objections and problem tickets, its rectification orders, the use
// of its data and the demands routed to it. The authority computes a period (a draft, which
// it may compute again), then publishes it: a published period is closed and frozen — its
// stored results are never recomputed or changed.
//
// The method follows the spirit of Fudan University's 中国开放数林指数 (readiness, platform,
// data and use layers, each indicator normalised and weighted) and GB/T 36344-2018's data
// quality dimensions (the quality indicator is the mean of the units' entries' scores on
// those dimensions, quality.go). The facts are gathered by the store with set-based queries
// (EvalFacts); the scores are the pure ScoreEvaluation, so that cached per-unit aggregates
// (the live board's snapshots) can later stand in for the queries.

// Period kinds.
const (
	PeriodMonth   = "month"
	PeriodQuarter = "quarter"
	PeriodYear    = "year"
)

// PeriodKinds lists the kinds.
var PeriodKinds = []string{PeriodMonth, PeriodQuarter, PeriodYear}

// EvalPeriod is an evaluation period: [Start, End) in China Standard Time.
type EvalPeriod struct {
	Key   string    `json:"period"` // 2026-11, 2026-Q4, 2026
	Kind  string    `json:"kind"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// FirstDay is the period's first day, YYYY-MM-DD.
func (p EvalPeriod) FirstDay() string { return p.Start.In(ChinaTime).Format(DateFormat) }

// LastDay is the period's last day, YYYY-MM-DD.
func (p EvalPeriod) LastDay() string {
	return p.End.In(ChinaTime).AddDate(0, 0, -1).Format(DateFormat)
}

// Ended reports whether the period is over at now.
func (p EvalPeriod) Ended(now time.Time) bool { return !now.Before(p.End) }

// AsOf is the instant the period's facts are taken at when computed at now: its end, or now
// while it runs.
func (p EvalPeriod) AsOf(now time.Time) time.Time {
	if now.Before(p.End) {
		return now
	}
	return p.End
}

// Earliest and latest years of an evaluation period.
const (
	MinEvalYear = 2000
	MaxEvalYear = 2100
)

var periodForm = regexp.MustCompile(`^(\d{4})(?:-(?:(\d{2})|[Qq](\d)))?$`)

// ParseEvalPeriod reads a period: YYYY-MM (a month), YYYY-Qn (a quarter) or YYYY (a year).
// Its error names the problem (EINVALID, field "period").
func ParseEvalPeriod(s string) (EvalPeriod, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return EvalPeriod{}, FieldErrorf("period", "Name a period: a month (2026-11), a quarter (2026-Q4) or a year (2026).").Keyed("error.evaluation.period.required")
	}
	m := periodForm.FindStringSubmatch(s)
	if m == nil {
		return EvalPeriod{}, FieldErrorf("period", "%q is not a period: write a month (2026-11), a quarter (2026-Q4) or a year (2026).", s).Keyed("error.evaluation.period.format", "Period", s)
	}
	year, _ := strconv.Atoi(m[1])
	if year < MinEvalYear || year > MaxEvalYear {
		return EvalPeriod{}, FieldErrorf("period", "The year %d of %q is outside %d to %d.", year, s, MinEvalYear, MaxEvalYear).
			Keyed("error.evaluation.period.year", "Year", year, "Period", s, "Min", MinEvalYear, "Max", MaxEvalYear)
	}
	start := time.Date(year, 1, 1, 0, 0, 0, 0, ChinaTime)
	switch {
	case m[2] != "":
		month, _ := strconv.Atoi(m[2])
		if month < 1 || month > 12 {
			return EvalPeriod{}, FieldErrorf("period", "The month %s of %q is not 01 to 12.", m[2], s).Keyed("error.evaluation.period.month", "Month", m[2], "Period", s)
		}
		start = time.Date(year, time.Month(month), 1, 0, 0, 0, 0, ChinaTime)
		return EvalPeriod{Key: fmt.Sprintf("%04d-%02d", year, month), Kind: PeriodMonth, Start: start, End: start.AddDate(0, 1, 0)}, nil
	case m[3] != "":
		q, _ := strconv.Atoi(m[3])
		if q < 1 || q > 4 {
			return EvalPeriod{}, FieldErrorf("period", "The quarter Q%s of %q is not Q1 to Q4.", m[3], s).Keyed("error.evaluation.period.quarter", "Quarter", m[3], "Period", s)
		}
		start = time.Date(year, time.Month(3*q-2), 1, 0, 0, 0, 0, ChinaTime)
		return EvalPeriod{Key: fmt.Sprintf("%04d-Q%d", year, q), Kind: PeriodQuarter, Start: start, End: start.AddDate(0, 3, 0)}, nil
	}
	return EvalPeriod{Key: fmt.Sprintf("%04d", year), Kind: PeriodYear, Start: start, End: start.AddDate(1, 0, 0)}, nil
}

// MonthPeriod is the month holding t.
func MonthPeriod(t time.Time) EvalPeriod {
	t = t.In(ChinaTime)
	p, _ := ParseEvalPeriod(fmt.Sprintf("%04d-%02d", t.Year(), int(t.Month())))
	return p
}

// Indicators, in the order they are shown.
const (
	IndCatalogue     = "catalogue"     // 目录完整度: entries in the catalogue
	IndAggregation   = "aggregation"   // 归集覆盖率: published table entries holding data
	IndFreshness     = "freshness"     // 更新及时性: tables loaded within their update cycle
	IndQuality       = "quality"       // 数据质量: the entries' quality scores (GB/T 36344)
	IndSharing       = "sharing"       // 共享: entries shared
	IndOpening       = "opening"       // 开放: entries opened
	IndTimeliness    = "timeliness"    // 答复及时率: applications, objections, tickets answered in time
	IndHandling      = "handling"      // 异议和纠错办结: objections and tickets handled
	IndRectification = "rectification" // 整改: open and overdue rectification orders lower it
	IndUsage         = "usage"         // 利用: views, downloads, API calls
	IndDemand        = "demand"        // 需求响应: demands routed to the unit answered
)

// EvalIndicators lists the indicators in order.
var EvalIndicators = []string{IndCatalogue, IndAggregation, IndFreshness, IndQuality, IndSharing, IndOpening,
	IndTimeliness, IndHandling, IndRectification, IndUsage, IndDemand}

// EvalWeights are the indicators' weights (settings the authority changes, recorded).
type EvalWeights map[string]float64

// DefaultEvalWeights are the weights until the authority sets its own (sum 100).
var DefaultEvalWeights = EvalWeights{
	IndCatalogue: 10, IndAggregation: 15, IndFreshness: 10, IndQuality: 15, IndSharing: 10, IndOpening: 10,
	IndTimeliness: 10, IndHandling: 5, IndRectification: 5, IndUsage: 5, IndDemand: 5,
}

// Clone copies the weights.
func (w EvalWeights) Clone() EvalWeights {
	out := EvalWeights{}
	for k, v := range w {
		out[k] = v
	}
	return out
}

// Total is the sum of the weights.
func (w EvalWeights) Total() float64 {
	t := 0.0
	for _, v := range w {
		t += v
	}
	return t
}

// ValidateEvalWeights checks weights: every indicator known, each weight 0 to 100, at least
// one above 0. Indicators not named weigh 0.
func ValidateEvalWeights(w EvalWeights) (EvalWeights, error) {
	out := EvalWeights{}
	for _, k := range EvalIndicators {
		out[k] = 0
	}
	var errs []*Error
	names := make([]string, 0, len(w))
	for k := range w {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := w[k]
		field := "weights." + k
		switch {
		case !slices.Contains(EvalIndicators, k):
			errs = append(errs, FieldErrorf(field, "%q is not an indicator; the indicators are %s.", k, strings.Join(EvalIndicators, ", ")).
				Keyed("error.evaluation.weight.indicator", "Indicator", k, "Indicators", strings.Join(EvalIndicators, ", ")))
		case math.IsNaN(v) || v < 0 || v > 100:
			errs = append(errs, FieldErrorf(field, "The weight of %s must be 0 to 100.", k).Keyed("error.evaluation.weight.range", "Indicator", k))
		default:
			out[k] = v
		}
	}
	if len(errs) == 0 && out.Total() <= 0 {
		errs = append(errs, FieldErrorf("weights", "At least one weight must be above 0.").Keyed("error.evaluation.weight.zero"))
	}
	if err := invalid(errs); err != nil {
		return nil, err
	}
	return out, nil
}

// EvalUse is an entry's uses in a period (views, downloads and API calls together).
type EvalUse struct {
	Entry string `json:"entry"`
	Title string `json:"title"`
	Org   string `json:"org,omitempty"`
	Uses  int64  `json:"uses"`
}

// EvalDemand is a demand on the list, for the period's most requested data.
type EvalDemand struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Votes  int    `json:"votes"`
	Status string `json:"status"`
}

// EvalUnitFacts are the recorded facts a unit's indicators are computed from, as of the
// period's end (or the computation, while the period runs).
type EvalUnitFacts struct {
	Org      string `json:"org"`
	Name     string `json:"org_name"`
	Division string `json:"division"`
	// The catalogue: entries first published by the end and still catalogued; of them
	// shared (share class not none), opened (open class not none), and tables.
	Published int `json:"published"`
	Shared    int `json:"shared"`
	Opened    int `json:"opened"`
	Tables    int `json:"tables"`
	// The tables: loaded (a batch done by the end); fresh, due and stale against the update
	// cycle at the end (TableFreshness; never loaded = Tables − Loaded).
	Loaded int `json:"loaded"`
	Fresh  int `json:"fresh"`
	Due    int `json:"due"`
	Stale  int `json:"stale"`
	// Quality: the sum and number of the latest full runs' scores by the end.
	QualitySum     int64 `json:"quality_sum"`
	QualityEntries int   `json:"quality_entries"`
	// Replies: applications, objections and problem tickets whose due time fell in the
	// period, and those answered by it.
	RepliesDue    int `json:"replies_due"`
	RepliesOnTime int `json:"replies_on_time"`
	// Objections and tickets filed in the period, and those handled by the end.
	Filed   int `json:"filed"`
	Handled int `json:"handled"`
	// Rectification orders not closed at the end, and of them overdue.
	OrdersOpen    int `json:"orders_open"`
	OrdersOverdue int `json:"orders_overdue"`
	// Usage in the period.
	Views     int64 `json:"views"`
	Downloads int64 `json:"downloads"`
	APICalls  int64 `json:"api_calls"`
	// Demands routed to the unit by the end, and its answers by then.
	DemandsRouted   int       `json:"demands_routed"`
	DemandsAnswered int       `json:"demands_answered"` // published: an entry answers it
	DemandsPlanned  int       `json:"demands_planned"`
	DemandsDeclined int       `json:"demands_declined"`
	DemandsUnmet    int       `json:"demands_unmet"` // routed and not answered by the end
	TopEntries      []EvalUse `json:"top_entries"`
}

// Uses is the unit's uses in the period.
func (f EvalUnitFacts) Uses() int64 { return f.Views + f.Downloads + f.APICalls }

// EvalFacts are the facts of every unit for a period, with the period's figures.
type EvalFacts struct {
	Units []EvalUnitFacts
	// MostUsed are the period's most used entries; MostRequested the demands not yet
	// answered with the most votes.
	MostUsed      []EvalUse
	MostRequested []EvalDemand
}

// How many entries and demands the figures keep.
const (
	EvalTopEntries = 5  // per unit
	EvalTopOverall = 10 // for the period
)

// What open and overdue rectification orders take off the rectification indicator.
const (
	EvalOrderOpenPenalty    = 20
	EvalOrderOverduePenalty = 40
)

// EvaluationResult is a unit's result in a period.
type EvaluationResult struct {
	Period   string `json:"period"`
	Org      string `json:"org"`
	OrgName  string `json:"org_name"`
	Division string `json:"division"`
	// Rank is 1 for the best score (equal scores share a rank); 0 without a score.
	Rank       int                 `json:"rank"`
	Score      *float64            `json:"score"`
	Indicators map[string]*float64 `json:"indicators"` // nil: not measured (nothing to measure)
	Facts      EvalUnitFacts       `json:"figures"`
}

// Evaluation statuses.
const (
	EvaluationDraft     = "draft"
	EvaluationPublished = "published"
)

// Evaluation is a period's evaluation: its results, the weights used and its figures.
type Evaluation struct {
	EvalPeriod
	Status  string      `json:"status"`
	Weights EvalWeights `json:"weights"`
	// AsOf is the instant the facts were taken at; Complete: the period had ended then.
	AsOf        time.Time          `json:"as_of"`
	Complete    bool               `json:"complete"`
	ComputedBy  string             `json:"computed_by"`
	ComputedAt  time.Time          `json:"computed_at"`
	PublishedBy string             `json:"published_by,omitempty"`
	PublishedAt *time.Time         `json:"published_at,omitempty"`
	Units       int                `json:"units"`
	MostUsed    []EvalUse          `json:"most_used"`
	Requested   []EvalDemand       `json:"most_requested"`
	Results     []EvaluationResult `json:"results,omitempty"`
}

// round1 rounds to one decimal.
func round1(v float64) float64 { return math.Round(v*10) / 10 }

func pct(n, of float64) *float64 {
	v := round1(100 * n / of)
	return &v
}

func fixed(v float64) *float64 { v = round1(v); return &v }

// logScale is a quantity against the largest among the units, on a logarithmic scale (use
// and catalogue sizes are heavy-tailed): 100 × ln(1+n) / ln(1+max); 0 when nobody has any.
func logScale(n, max float64) float64 {
	if max <= 0 || n <= 0 {
		return 0
	}
	return 100 * math.Log1p(n) / math.Log1p(max)
}

// EvalIndicatorValues computes a unit's indicators, each 0 to 100 (nil: not measured), given
// the largest catalogue and use among the units evaluated:
//
//   - catalogue: the unit's published entries on a log scale against the largest catalogue;
//   - aggregation: table entries holding data ÷ table entries;
//   - freshness: (fresh + ½ due) ÷ table entries (stale and never loaded count 0);
//   - quality: the mean score of the entries' latest full quality runs;
//   - sharing, opening: entries shared, opened ÷ published entries;
//     (these five are 0 for a unit with no catalogue, and aggregation and freshness are not
//     measured for a unit without table entries, quality without a run);
//   - timeliness: replies due in the period answered by their due time ÷ replies due;
//   - handling: objections and tickets filed in the period and handled ÷ filed;
//   - rectification: 100 − 20 per open order − 40 per overdue order, at least 0;
//   - usage: the uses on a log scale against the most used unit;
//   - demand: (answered + ½ planned + ½ declined with reasons) ÷ demands routed.
func EvalIndicatorValues(f EvalUnitFacts, maxPublished int, maxUses int64) map[string]*float64 {
	out := map[string]*float64{}
	zero := func() *float64 { v := 0.0; return &v }
	out[IndCatalogue] = fixed(logScale(float64(f.Published), float64(maxPublished)))
	switch {
	case f.Published == 0:
		for _, k := range []string{IndAggregation, IndFreshness, IndQuality, IndSharing, IndOpening} {
			out[k] = zero()
		}
	default:
		out[IndSharing] = pct(float64(f.Shared), float64(f.Published))
		out[IndOpening] = pct(float64(f.Opened), float64(f.Published))
		if f.Tables > 0 {
			out[IndAggregation] = pct(float64(f.Loaded), float64(f.Tables))
			out[IndFreshness] = pct(float64(f.Fresh)+0.5*float64(f.Due), float64(f.Tables))
		} else {
			out[IndAggregation], out[IndFreshness] = nil, nil
		}
		if f.QualityEntries > 0 {
			out[IndQuality] = fixed(float64(f.QualitySum) / float64(f.QualityEntries))
		} else {
			out[IndQuality] = nil
		}
	}
	out[IndTimeliness], out[IndHandling], out[IndDemand] = nil, nil, nil
	if f.RepliesDue > 0 {
		out[IndTimeliness] = pct(float64(f.RepliesOnTime), float64(f.RepliesDue))
	}
	if f.Filed > 0 {
		out[IndHandling] = pct(float64(f.Handled), float64(f.Filed))
	}
	open := f.OrdersOpen - f.OrdersOverdue
	out[IndRectification] = fixed(math.Max(0, 100-float64(EvalOrderOpenPenalty*open+EvalOrderOverduePenalty*f.OrdersOverdue)))
	out[IndUsage] = fixed(logScale(float64(f.Uses()), float64(maxUses)))
	if f.DemandsRouted > 0 {
		out[IndDemand] = pct(float64(f.DemandsAnswered)+0.5*float64(f.DemandsPlanned+f.DemandsDeclined), float64(f.DemandsRouted))
	}
	for k, v := range out {
		if v != nil && *v > 100 {
			out[k] = fixed(100)
		}
	}
	return out
}

// EvalScore is the weighted mean of the measured indicators (weights of unmeasured ones
// left out), one decimal; nil when no weighted indicator was measured.
func EvalScore(ind map[string]*float64, w EvalWeights) *float64 {
	total, weight := 0.0, 0.0
	for _, k := range EvalIndicators {
		if v := ind[k]; v != nil && w[k] > 0 {
			total += *v * w[k]
			weight += w[k]
		}
	}
	if weight == 0 {
		return nil
	}
	return fixed(total / weight)
}

// ScoreEvaluation computes every unit's indicators, score and rank: by score (higher
// first; equal scores share a rank, the next rank skips), then by organisation code;
// units without a score last, rank 0.
func ScoreEvaluation(period string, units []EvalUnitFacts, w EvalWeights) []EvaluationResult {
	if w == nil {
		w = DefaultEvalWeights
	}
	maxPub, maxUses := 0, int64(0)
	for _, u := range units {
		maxPub = max(maxPub, u.Published)
		maxUses = max(maxUses, u.Uses())
	}
	out := make([]EvaluationResult, 0, len(units))
	for _, u := range units {
		ind := EvalIndicatorValues(u, maxPub, maxUses)
		if u.TopEntries == nil {
			u.TopEntries = []EvalUse{}
		}
		out = append(out, EvaluationResult{Period: period, Org: u.Org, OrgName: u.Name, Division: u.Division,
			Indicators: ind, Score: EvalScore(ind, w), Facts: u})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.Score == nil || b.Score == nil:
			if (a.Score == nil) != (b.Score == nil) {
				return b.Score == nil
			}
		case *a.Score != *b.Score:
			return *a.Score > *b.Score
		}
		return a.Org < b.Org
	})
	for i := range out {
		switch {
		case out[i].Score == nil:
			out[i].Rank = 0
		case i > 0 && out[i-1].Score != nil && *out[i-1].Score == *out[i].Score:
			out[i].Rank = out[i-1].Rank
		default:
			out[i].Rank = i + 1
		}
	}
	return out
}

// TopUses keeps the n entries with the most uses (then by entry id).
func TopUses(list []EvalUse, n int) []EvalUse {
	list = slices.Clone(list)
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Uses != list[j].Uses {
			return list[i].Uses > list[j].Uses
		}
		return list[i].Entry < list[j].Entry
	})
	if len(list) > n {
		list = list[:n]
	}
	if list == nil {
		list = []EvalUse{}
	}
	return list
}

// CanComputeEvaluation reports whether the actor computes and publishes evaluations and
// sets their weights: the platform authority's admin.
func CanComputeEvaluation(a *Actor) bool { return IsPlatformAuthority(a) && a.Role() == RoleAdmin }

// CanSeeEvaluationDrafts reports whether the actor sees periods not yet published: an
// authority's admin or reviewer. Published periods are public.
func CanSeeEvaluationDrafts(a *Actor) bool { return IsSupervisor(a) }

// EvalTrendPoint is a unit's score in one published period.
type EvalTrendPoint struct {
	Period string   `json:"period"`
	Rank   int      `json:"rank"`
	Units  int      `json:"units"`
	Score  *float64 `json:"score"`
}

// EvaluationService keeps evaluations. Authorisation is the caller's (CanComputeEvaluation,
// CanSeeEvaluationDrafts); every change records its audit event in its transaction.
type EvaluationService interface {
	// EvaluationWeights returns the weights in force (DefaultEvalWeights until set) and
	// when and by whom they were last set (zero: never).
	EvaluationWeights(ctx context.Context) (EvalWeights, string, *time.Time, error)
	// SetEvaluationWeights validates and sets the weights ("evaluation.weights").
	SetEvaluationWeights(ctx context.Context, w EvalWeights) (EvalWeights, error)
	// ComputeEvaluation gathers the facts of the period at now and stores its results as a
	// draft with the weights in force, replacing an earlier draft ("evaluation.compute").
	// ECONFLICT when the period is published (frozen) or has not started.
	ComputeEvaluation(ctx context.Context, p EvalPeriod) (*Evaluation, error)
	// PublishEvaluation publishes the computed draft: closed and frozen from then on
	// ("evaluation.publish"). ENOTFOUND when never computed; ECONFLICT when published
	// already, or when the period has not ended unless early.
	PublishEvaluation(ctx context.Context, period string, early bool) (*Evaluation, error)
	// FindEvaluation returns the period with its results (by rank); ENOTFOUND.
	FindEvaluation(ctx context.Context, period string) (*Evaluation, error)
	// ListEvaluations returns the periods computed (drafts too), without results, the
	// latest period first.
	ListEvaluations(ctx context.Context) ([]*Evaluation, error)
	// EvaluationTrend returns the unit's results in the published periods of kind, oldest
	// first.
	EvaluationTrend(ctx context.Context, org, kind string) ([]EvalTrendPoint, error)
}

// FrozenEvaluation is the refusal to recompute or change a published period.
func FrozenEvaluation(period string) *Error {
	return Errorf(ECONFLICT, "The evaluation of %s is published: the period is closed and its results are frozen; they are never recomputed or changed.", period).
		Keyed("error.evaluation.frozen", "Period", period)
}
