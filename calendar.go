package pubdata

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// The working-day calendar (工作日) in the database: each year's statutory holidays and
// make-up working days come from the State Council notice, imported by an authority's
// admin (the holiday-cn JSON format); single days can be corrected with a reason. Deadlines
// in working days (applications, objections) are counted with it; a deadline counted over a
// year without a notice is unconfirmed (it knew only weekends there) and says so.

// NoticeCalendarEnding tells the authorities' admins that the covered range ends soon.
const NoticeCalendarEnding = "calendar.ending"

// CalendarWarnDays is how many days before the covered range ends the authority's admins
// are warned to import the next year's notice.
const CalendarWarnDays = 60

// Calendar sources: how a year got into the calendar.
const (
	CalendarBuiltIn = "built_in" // shipped in the binary (the notices of 2024–2026), not stored
	CalendarImport  = "import"   // imported by an authority's admin; replaces a built-in year
)

// CalendarYear is one year of the calendar as stored.
type CalendarYear struct {
	Year int `json:"year"`
	// Papers are the addresses of the State Council notices the year comes from (may be
	// empty when the import named none).
	Papers []string `json:"papers"`
	// Days are the days the notice lists, by date: holidays and make-up working days.
	Days []CalendarDay `json:"days"`
	// Corrections are the days an admin set by hand; they override Days.
	Corrections []CalendarCorrection `json:"corrections"`
	Source      string               `json:"source"`               // CalendarBuiltIn or CalendarImport
	UpdatedBy   string               `json:"updated_by,omitempty"` // who imported it
	UpdatedAt   *time.Time           `json:"updated_at,omitempty"` // nil for a built-in year
	Covered     bool                 `json:"covered"`              // always true for a stored year
}

// CalendarDay is a day of a notice, in the holiday-cn form.
type CalendarDay struct {
	Name     string `json:"name"`
	Date     string `json:"date"` // YYYY-MM-DD
	IsOffDay bool   `json:"isOffDay"`
}

// CalendarCorrection is one day set by an authority's admin.
type CalendarCorrection struct {
	Date      string    `json:"date"` // YYYY-MM-DD
	Workday   bool      `json:"workday"`
	Name      string    `json:"name"`   // the arrangement's name, e.g. 国庆节; may be empty
	Reason    string    `json:"reason"` // why (required)
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CalendarChange is what an import or a correction did to the deadlines it recounted.
type CalendarChange struct {
	Year *CalendarYear `json:"year"`
	// Moved are the pending applications and open objections whose unconfirmed due dates
	// the change recounted: "application:<id>" or "objection:<id>".
	Moved []string `json:"moved"`
}

// CanEditCalendar reports whether the actor may import years and correct days: an admin of
// the platform's authority (the calendar is the whole platform's).
func CanEditCalendar(a *Actor) bool { return IsPlatformAuthority(a) && a.Role() == RoleAdmin }

// CalendarEnding reports whether the authority should be warned at now that the covered
// range ends at through (its last date; zero when now's year is not covered at all).
func CalendarEnding(through, now time.Time) bool {
	if through.IsZero() {
		return true
	}
	return !now.Before(through.AddDate(0, 0, -CalendarWarnDays))
}

// ValidateCalendarCorrection checks and trims a correction: a date YYYY-MM-DD, a reason
// (required, as long as an application's texts may be) and a name of at most 50 characters.
func ValidateCalendarCorrection(c *CalendarCorrection) error {
	var p []*Error
	add := func(e *Error) {
		if e != nil {
			p = append(p, e)
		}
	}
	c.Date, c.Reason, c.Name = strings.TrimSpace(c.Date), strings.TrimSpace(c.Reason), strings.TrimSpace(c.Name)
	if _, err := time.ParseInLocation(DateFormat, c.Date, ChinaTime); err != nil {
		add(FieldErrorf("date", "Date %q is not a date as YYYY-MM-DD.", c.Date).Keyed("error.calendar.date", "Date", c.Date))
	}
	add(checkText("reason", "Reason", "error.label.reason", c.Reason, true))
	if utf8.RuneCountInString(c.Name) > 50 {
		add(FieldErrorf("name", "Name is longer than 50 characters.").Keyed("error.calendar.name"))
	}
	return invalid(p)
}

// CalendarService keeps the calendar. Authorisation is the caller's (CanEditCalendar);
// every change records its event in its transaction.
type CalendarService interface {
	// FindCalendarYears returns every covered year (built-in and imported) by year.
	FindCalendarYears(ctx context.Context) ([]*CalendarYear, error)
	// FindCalendarYear returns one covered year; ENOTFOUND when it has no notice.
	FindCalendarYear(ctx context.Context, year int) (*CalendarYear, error)
	// ImportCalendarYear stores a year's holiday file (holiday-cn JSON), replacing the
	// year's previous file (its corrections stay), and recounts the unconfirmed deadlines.
	// EINVALID naming every problem of the file.
	ImportCalendarYear(ctx context.Context, file []byte) (*CalendarChange, error)
	// CorrectCalendarDay sets one day of a covered year (EINVALID for a year without a
	// notice) and recounts the unconfirmed deadlines.
	CorrectCalendarDay(ctx context.Context, c *CalendarCorrection) (*CalendarChange, error)
	// RemoveCalendarCorrection removes a day's correction (ENOTFOUND when none).
	RemoveCalendarCorrection(ctx context.Context, date string) (*CalendarChange, error)
	// WarnCalendarEnding notifies the authorities' admins, once per end date, when the
	// covered range ends within CalendarWarnDays of now; it reports whether it did.
	WarnCalendarEnding(ctx context.Context, now time.Time) (bool, error)
}
