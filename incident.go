package pubdata

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Early warning and incidents (G4, F4), issue 15 items 4 and 5.
//
// Security alerts (安全预警) are raised by rules over the record of reads and sign-ins: a
// serve job (SecurityService.Scan) reads the events after the last one it saw, counts them
// into small buckets and raises an alert when a rule's threshold is crossed. They are not the
// monitoring board's alerts (a stale table, a failing pull: monitor.go). An alert goes to the
// admins of the unit concerned (the provider of the data read, or the reader's unit) and to
// the covering authority, with its evidence (counts and the events' sequence numbers); a
// false positive is dismissed with a reason, recorded.
//
// The incident register (安全事件): report, assess, contain in one step (revoke a grant,
// revoke an API token, suspend a unit's data service), notify the data subjects and the
// authority, close with the lessons learnt; each unit's emergency plans and drills.

// Kinds of security alerts: the rules.
const (
	SecurityBulkRead   = "bulk_read"       // reads of personal data far over the reader's usual volume
	SecurityOffHours   = "off_hours"       // a shared read of personal data outside working hours
	SecurityScraping   = "scraping"        // many reads a minute by one reader
	SecurityRefusals   = "refusals"        // repeated failed sign-ins, 401 and 403 from one address
	SecurityTokenAddrs = "token_addresses" // one API token used from many addresses
	SecurityWholeTable = "whole_table"     // a whole table holding grade ≥ N items downloaded
)

// SecurityKinds lists the rules in display order.
var SecurityKinds = []string{SecurityBulkRead, SecurityOffHours, SecurityScraping, SecurityRefusals, SecurityTokenAddrs, SecurityWholeTable}

// SecuritySettings are the rules' thresholds, kept in the database and edited by the
// platform authority's admins (recorded).
type SecuritySettings struct {
	// BulkFactor: the reads of personal data in the last hour that are BulkFactor times the
	// reader's daily mean over the last BaselineDays days raise bulk_read, when they are at
	// least BulkMinReads.
	BulkFactor   int `json:"bulk_factor"`
	BulkMinReads int `json:"bulk_min_reads"`
	BaselineDays int `json:"baseline_days"`
	// ScrapePerMinute: the reads one reader makes in one minute that raise scraping.
	ScrapePerMinute int `json:"scrape_per_minute"`
	// Refusals: the failed sign-ins and refused requests (401, 403) from one address in ten
	// minutes that raise refusals.
	Refusals int `json:"refusals"`
	// TokenAddresses: the distinct addresses one API token is used from in an hour.
	TokenAddresses int `json:"token_addresses"`
	// WorkStart and WorkEnd bound working hours (HH:MM, China Standard Time) on working days
	// of the calendar; OffHours turns the off-hours rule on.
	WorkStart string `json:"work_start"`
	WorkEnd   string `json:"work_end"`
	OffHours  bool   `json:"off_hours"`
	// WholeTableGrade: a whole-table download of an entry with an item of this grade or above.
	WholeTableGrade int `json:"whole_table_grade"`
	// ReportHours: an incident must be reported to the authority within this many hours.
	ReportHours int `json:"report_hours"`
	// AggregationThreshold: an application combining entries whose aggregation risk reaches
	// this score (0–100) needs the authority's review (aggregationrisk.go).
	AggregationThreshold int       `json:"aggregation_threshold"`
	UpdatedBy            string    `json:"updated_by,omitempty"`
	UpdatedAt            time.Time `json:"updated_at,omitempty"`
}

// DefaultSecuritySettings are the thresholds before an authority sets any.
var DefaultSecuritySettings = SecuritySettings{
	BulkFactor: 10, BulkMinReads: 20, BaselineDays: 30, ScrapePerMinute: 120, Refusals: 20,
	TokenAddresses: 5, WorkStart: "08:00", WorkEnd: "19:00", OffHours: true, WholeTableGrade: 3, ReportHours: 24,
	AggregationThreshold: DefaultAggregationThreshold,
}

// clock parses HH:MM into minutes after midnight.
func clock(s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// ValidateSecuritySettings checks the thresholds, naming the first bad one.
func ValidateSecuritySettings(s *SecuritySettings) error {
	ints := []struct {
		name     string
		v        int
		min, max int
	}{
		{"bulk_factor", s.BulkFactor, 2, 1000}, {"bulk_min_reads", s.BulkMinReads, 1, 1000000},
		{"baseline_days", s.BaselineDays, 1, 90}, {"scrape_per_minute", s.ScrapePerMinute, 2, 1000000},
		{"refusals", s.Refusals, 2, 100000}, {"token_addresses", s.TokenAddresses, 2, 1000},
		{"whole_table_grade", s.WholeTableGrade, 1, 4}, {"report_hours", s.ReportHours, 1, 720},
		{"aggregation_threshold", s.AggregationThreshold, 1, 100},
	}
	for _, f := range ints {
		if f.v < f.min || f.v > f.max {
			return FieldErrorf(f.name, "%s must be %d to %d.", f.name, f.min, f.max).Keyed("error.security.setting_range", "Name", f.name, "Min", f.min, "Max", f.max)
		}
	}
	a, ok1 := clock(s.WorkStart)
	b, ok2 := clock(s.WorkEnd)
	if !ok1 || !ok2 || a >= b {
		return FieldErrorf("work_start", "Working hours must be HH:MM to HH:MM, the start before the end.").Keyed("error.security.work_hours")
	}
	return nil
}

// WorkingTime reports whether t falls in working hours on a working day (isWorkday is the
// calendar's; t is read in China Standard Time).
func (s *SecuritySettings) WorkingTime(t time.Time, isWorkday func(time.Time) bool) bool {
	t = t.In(ChinaTime)
	if isWorkday != nil && !isWorkday(t) {
		return false
	}
	a, _ := clock(s.WorkStart)
	b, _ := clock(s.WorkEnd)
	m := t.Hour()*60 + t.Minute()
	return m >= a && m < b
}

// BulkExceeded reports whether lastHour reads are over the bulk threshold given the reads
// of the baseline days (total over days days).
func (s *SecuritySettings) BulkExceeded(lastHour, baseline int64, days int) bool {
	if lastHour < int64(s.BulkMinReads) {
		return false
	}
	if days < 1 {
		days = 1
	}
	return lastHour*int64(days) >= int64(s.BulkFactor)*baseline
}

// SecurityAlert is one raised alert with its evidence.
type SecurityAlert struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Subject is who or what the rule counted: "grant:<id>", "user:<name>", "org:<code>",
	// "addr:<address>", "token:<id>".
	Subject  string `json:"subject"`
	Org      string `json:"org"` // the unit concerned ("" for an address only)
	Division string `json:"division"`
	Entry    string `json:"entry,omitempty"`
	// Period is the window the alert is for (one alert per kind, subject and period).
	Period string `json:"period"`
	// Count is what the rule counted; Baseline the usual volume (bulk_read: the daily mean).
	Count    int64   `json:"count"`
	Baseline float64 `json:"baseline"`
	// Seqs are sequence numbers of events that are the evidence (at most SecurityEvidenceN).
	Seqs          []int64    `json:"seqs"`
	Detail        string     `json:"detail"`
	RaisedAt      time.Time  `json:"raised_at"`
	DismissedAt   *time.Time `json:"dismissed_at,omitempty"`
	DismissedBy   string     `json:"dismissed_by,omitempty"`
	DismissReason string     `json:"dismiss_reason,omitempty"`
}

// SecurityEvidenceN bounds the event sequence numbers kept with an alert.
const SecurityEvidenceN = 50

// SecurityScanResult is what one run of the rules did.
type SecurityScanResult struct {
	From, To int64 // the events read: seq From+1 … To
	Events   int
	Raised   int
}

// SecurityAlertFilter selects alerts.
type SecurityAlertFilter struct {
	Scope     *Scope // nil: everything
	Org       string // only this unit's
	Kind      string
	Dismissed *bool
	Limit     int
}

// Incident kinds and severities (the four levels of the national emergency plan).
var (
	IncidentKinds      = []string{"leak", "misuse", "attack", "loss", "other"}
	IncidentSeverities = []string{"general", "major", "serious", "critical"}
)

// Incident statuses.
const (
	IncidentReported  = "reported"
	IncidentAssessed  = "assessed"
	IncidentContained = "contained"
	IncidentNotified  = "notified"
	IncidentClosed    = "closed"
)

// Containment steps (one step each).
const (
	ContainGrant = "grant" // revoke the grant
	ContainToken = "token" // revoke the API token
	ContainUnit  = "unit"  // suspend the unit's data service
)

// Incident is one security incident in the register.
type Incident struct {
	ID          string    `json:"id"`
	Org         string    `json:"org"` // the unit involved
	Division    string    `json:"division"`
	Entry       string    `json:"entry,omitempty"`
	Grant       string    `json:"grant,omitempty"`
	Token       string    `json:"token,omitempty"`
	Alert       string    `json:"alert,omitempty"`
	Kind        string    `json:"kind"`
	Severity    string    `json:"severity"`
	Description string    `json:"description"`
	Status      string    `json:"status"`
	ReportedBy  string    `json:"reported_by"`
	ReportedAt  time.Time `json:"reported_at"`
	// ReportDue is when the authority must have the report (ReportHours after it was found).
	ReportDue   time.Time  `json:"report_due"`
	Assessment  string     `json:"assessment,omitempty"`
	AssessedAt  *time.Time `json:"assessed_at,omitempty"`
	Containment string     `json:"containment,omitempty"` // the step taken: grant:<id>, token:<id>, unit:<code>
	ContainedAt *time.Time `json:"contained_at,omitempty"`
	// Subjects are the key values of the data subjects to notify (the rows involved).
	Subjects   []string   `json:"subjects"`
	NotifiedAt *time.Time `json:"notified_at,omitempty"`
	Lessons    string     `json:"lessons,omitempty"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
}

// Overdue reports whether the incident was not yet assessed by the authority's deadline.
func (i *Incident) Overdue(now time.Time) bool {
	return i.Status == IncidentReported && now.After(i.ReportDue)
}

// IncidentReport is what a report gives.
type IncidentReport struct {
	Org         string `json:"org"`
	Entry       string `json:"entry"`
	Grant       string `json:"grant"`
	Token       string `json:"token"`
	Alert       string `json:"alert"`
	Kind        string `json:"kind"`
	Severity    string `json:"severity"`
	Description string `json:"description"`
}

// MaxIncidentText bounds an incident's description, assessment and lessons.
const MaxIncidentText = 5000

// MaxIncidentSubjects bounds the subjects listed for notification.
const MaxIncidentSubjects = 10000

func securityOneOf(field, v string, list []string) error {
	for _, x := range list {
		if v == x {
			return nil
		}
	}
	return FieldErrorf(field, "%s must be one of %s.", field, strings.Join(list, ", ")).Keyed("error.security.one_of", "Name", field, "List", strings.Join(list, ", "))
}

// IncidentText trims and checks a required text field.
func IncidentText(field, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", FieldErrorf(field, "%s is required.", field).Keyed("error.security.required", "Name", field)
	}
	if utf8.RuneCountInString(v) > MaxIncidentText {
		return "", FieldErrorf(field, "%s must be at most %d characters.", field, MaxIncidentText).Keyed("error.reason.too_long", "Max", MaxIncidentText)
	}
	return v, nil
}

// ValidateIncidentReport checks a report.
func ValidateIncidentReport(r *IncidentReport) error {
	if strings.TrimSpace(r.Org) == "" {
		return FieldErrorf("org", "Name the unit involved.").Keyed("error.security.required", "Name", "org")
	}
	if err := securityOneOf("kind", r.Kind, IncidentKinds); err != nil {
		return err
	}
	if err := securityOneOf("severity", r.Severity, IncidentSeverities); err != nil {
		return err
	}
	var err error
	r.Description, err = IncidentText("description", r.Description)
	return err
}

// NextIncidentStep checks that step may follow status.
func NextIncidentStep(status, step string) error {
	ok := false
	switch step {
	case "assess":
		ok = status == IncidentReported || status == IncidentAssessed
	case "contain":
		ok = status == IncidentReported || status == IncidentAssessed
	case "notify":
		ok = status != IncidentClosed
	case "close":
		ok = status != IncidentClosed
	}
	if !ok {
		return Errorf(ECONFLICT, "The incident is %s: it cannot be %s now.", status, step).Keyed("error.incident.step", "Status", status, "Step", step)
	}
	return nil
}

// EmergencyRecord is one of a unit's emergency plans or drills, with its date.
type EmergencyRecord struct {
	ID        string    `json:"id"`
	Org       string    `json:"org"`
	Kind      string    `json:"kind"` // plan or drill
	Title     string    `json:"title"`
	Date      string    `json:"date"` // YYYY-MM-DD
	Notes     string    `json:"notes"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// ValidateEmergencyRecord checks a plan or drill.
func ValidateEmergencyRecord(r *EmergencyRecord) error {
	if err := securityOneOf("kind", r.Kind, []string{"plan", "drill"}); err != nil {
		return err
	}
	var err error
	if r.Title, err = IncidentText("title", r.Title); err != nil {
		return err
	}
	if _, err := time.Parse("2006-01-02", r.Date); err != nil {
		return FieldErrorf("date", "The date must be YYYY-MM-DD.").Keyed("error.security.date")
	}
	if utf8.RuneCountInString(r.Notes) > MaxIncidentText {
		return FieldErrorf("notes", "notes must be at most %d characters.", MaxIncidentText).Keyed("error.reason.too_long", "Max", MaxIncidentText)
	}
	return nil
}

// CanSeeSecurity reports whether the actor may see the alerts and incidents of org in
// division: the covering authority's admins and reviewers, and the unit's own admins.
func CanSeeSecurity(a *Actor, org, division string) bool {
	if a.Anonymous() || a.Org == nil {
		return false
	}
	if a.IsAuthority() {
		return (a.Role() == RoleAdmin || a.Role() == RoleReviewer) && DivisionCovers(a.Org.Division, division)
	}
	return a.Role() == RoleAdmin && org != "" && a.Org.Code == org
}

// CanActOnIncident reports whether the actor may assess, contain, notify and close an
// incident of a unit in division: the covering authority's admins.
func CanActOnIncident(a *Actor, division string) bool {
	return !a.Anonymous() && a.Org != nil && a.IsAuthority() && a.Role() == RoleAdmin && DivisionCovers(a.Org.Division, division)
}

// NoticeSecurityAlert and NoticeIncident tell the unit's admins and the authority.
const (
	NoticeSecurityAlert  = "security.alert"
	NoticeIncidentReport = "security.incident"
	NoticeIncidentNotify = "security.incident_notified"
	// NoticeIncidentOverdue reminds that an incident was not assessed by its report deadline.
	NoticeIncidentOverdue = "security.incident_overdue"
)

func init() { NoticeRules[NoticeIncidentOverdue] = securityParties }

// IncidentReminder reminds of incidents not assessed by their report deadline (the security
// store; serve runs it with the early-warning rules every minute).
type IncidentReminder interface {
	// RemindOverdueIncidents notifies, once per incident, the unit's admins, its security
	// officer and the covering authority of each incident still reported (not assessed)
	// after its report deadline, before now; returns how many.
	RemindOverdueIncidents(ctx context.Context, now time.Time) (int, error)
}

// SecurityService keeps the early-warning rules, their alerts and the incident register.
type SecurityService interface {
	Settings(ctx context.Context) (*SecuritySettings, error)
	// SetSettings stores the thresholds (the platform authority's admins) and records them.
	SetSettings(ctx context.Context, s *SecuritySettings) (*SecuritySettings, error)
	// Scan runs the rules over the events after the last one seen (at most max events),
	// raising alerts; isWorkday is the calendar's.
	Scan(ctx context.Context, now time.Time, max int, isWorkday func(time.Time) bool) (*SecurityScanResult, error)
	Alerts(ctx context.Context, f SecurityAlertFilter) ([]*SecurityAlert, error)
	Alert(ctx context.Context, id string) (*SecurityAlert, error)
	Dismiss(ctx context.Context, id, reason string) (*SecurityAlert, error)

	ReportIncident(ctx context.Context, r *IncidentReport) (*Incident, error)
	Incidents(ctx context.Context, scope *Scope, org string, limit int) ([]*Incident, error)
	Incident(ctx context.Context, id string) (*Incident, error)
	AssessIncident(ctx context.Context, id, severity, assessment string) (*Incident, error)
	// ContainIncident takes one containment step (ContainGrant, ContainToken, ContainUnit) on
	// target and records it on the incident, in one transaction.
	ContainIncident(ctx context.Context, id, step, target, reason string) (*Incident, error)
	// NotifyIncident stores the subjects to notify and notifies the authority.
	NotifyIncident(ctx context.Context, id string, subjects []string) (*Incident, error)
	CloseIncident(ctx context.Context, id, lessons string) (*Incident, error)
	// CountRequests adds the web layer's counts at now: refused requests (401, 403) per
	// address and the addresses each API token (by id) was used from, and checks their
	// rules; it returns the alerts raised.
	CountRequests(ctx context.Context, now time.Time, refusals map[string]int64, tokenAddrs map[string][]string) (int, error)

	AddEmergencyRecord(ctx context.Context, r *EmergencyRecord) (*EmergencyRecord, error)
	EmergencyRecords(ctx context.Context, org string) ([]*EmergencyRecord, error)
}

// String names the alert for logs.
func (a *SecurityAlert) String() string { return fmt.Sprintf("%s %s %s", a.Kind, a.Subject, a.Period) }
