package console

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/workday"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The console's calendar pages (issue 11): /console/calendar lists the covered years, warns
// when the covered range ends within pubdata.CalendarWarnDays, and takes a year's holiday
// file (pasted or uploaded) from an authority's admin; /console/calendar/{year} shows a
// year's days and corrects single days. Every signed-in user may look; only an authority's
// admin (pubdata.CanEditCalendar) sees the forms and may post them.

// calendarView is the view of /console/calendar.
type calendarView struct {
	web.Page
	Years    []*pubdata.CalendarYear
	Through  string // the last covered date from this year on, "" when none
	Ending   bool
	NextYear int // the first year not covered
	CanEdit  bool
	Document string // the pasted file, kept on an error
	Errors   web.FormErrors
	Problems []string // the file's problems, one a line
	Imported int      // the year just imported (flash)
	Moved    int      // deadlines the import recounted
}

func (s *Server) calendarView(r *http.Request, a *pubdata.Actor) (*calendarView, error) {
	if s.Calendars == nil {
		return nil, web.ErrNoCalendar
	}
	ys, err := s.Calendars.FindCalendarYears(r.Context())
	if err != nil {
		return nil, err
	}
	v := &calendarView{Page: s.Base(r, true), Years: ys, CanEdit: pubdata.CanEditCalendar(a), Errors: web.FormErrors{}}
	through, ok := s.Calendar.CoveredThrough(s.Now())
	v.NextYear = s.Now().In(workday.Location).Year()
	if ok {
		v.Through, v.NextYear = through.Format(time.DateOnly), through.Year()+1
	}
	v.Ending = pubdata.CalendarEnding(through, s.Now())
	v.Imported, _ = strconv.Atoi(r.URL.Query().Get("imported"))
	v.Moved, _ = strconv.Atoi(r.URL.Query().Get("moved"))
	return v, nil
}

func (s *Server) PageCalendar(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	v, err := s.calendarView(r, a)
	if err != nil {
		return err
	}
	return s.Render(w, r, "calendar", http.StatusOK, v)
}

// PageCalendarImport imports a pasted or uploaded holiday file.
func (s *Server) PageCalendarImport(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if _, err := s.CalendarEditor(r); err != nil {
		return err
	}
	var raw []byte
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(web.MaxCalendarFile); err != nil {
			return web.NormalizeOr(err, pubdata.Errorf(pubdata.EINVALID, "The form could not be read.").Keyed("error.form.unreadable"))
		}
		if f, _, err := r.FormFile("file"); err == nil {
			defer f.Close()
			if raw, err = io.ReadAll(io.LimitReader(f, web.MaxCalendarFile+1)); err != nil {
				return web.NormalizeError(err)
			}
		}
	} else if err := web.ParseForm(r); err != nil {
		return err
	}
	doc := r.PostFormValue("document")
	if len(strings.TrimSpace(string(raw))) == 0 {
		raw = []byte(doc)
	}
	v, err := s.calendarView(r, a)
	if err != nil {
		return err
	}
	v.Document = doc
	switch {
	case len(strings.TrimSpace(string(raw))) == 0:
		v.Errors["document"] = web.Translate(v.Lang, "calendar.error.empty")
	case len(raw) > web.MaxCalendarFile:
		v.Errors["document"] = web.Translate(v.Lang, "calendar.error.large", "KB", web.MaxCalendarFile>>10)
	}
	if len(v.Errors) > 0 {
		return s.Render(w, r, "calendar", http.StatusBadRequest, v)
	}
	ch, err := s.Calendars.ImportCalendarYear(r.Context(), raw)
	if web.ErrorIs(err, pubdata.EINVALID) {
		v.Errors["document"] = web.Translate(v.Lang, "calendar.error.file")
		for _, fe := range pubdata.ErrorFields(err) {
			v.Problems = append(v.Problems, web.FieldText(v.Lang, fe))
		}
		if len(v.Problems) == 0 {
			v.Problems = append(v.Problems, err.Error())
		}
		slices.Sort(v.Problems)
		return s.Render(w, r, "calendar", http.StatusBadRequest, v)
	} else if err != nil {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/console/calendar", "imported", strconv.Itoa(ch.Year.Year), "moved", strconv.Itoa(len(ch.Moved))))
	return nil
}

// calendarDayRow is one listed or corrected day of a year's page.
type calendarDayRow struct {
	Date       string
	WeekdayKey string
	Name       string
	Workday    bool
	Corrected  bool
	Reason     string // the correction's
	By         string
	// NoticeKey is what the notice says of a corrected day ("" when it does not list it).
	NoticeKey string
}

// weekdayKeys are the weekdays' labels from Sunday.
var weekdayKeys = [7]struct{ Key string }{
	{Key: "calendar.wd.sun"}, {Key: "calendar.wd.mon"}, {Key: "calendar.wd.tue"}, {Key: "calendar.wd.wed"},
	{Key: "calendar.wd.thu"}, {Key: "calendar.wd.fri"}, {Key: "calendar.wd.sat"},
}

// calendarYearView is the view of /console/calendar/{year}.
type calendarYearView struct {
	web.Page
	Year    *pubdata.CalendarYear
	Rows    []calendarDayRow
	CanEdit bool
	Errors  web.FormErrors
	Form    pubdata.CalendarCorrection
	Saved   bool
}

func (s *Server) calendarYearView(r *http.Request, a *pubdata.Actor) (*calendarYearView, error) {
	year, err := web.CalendarYearParam(r)
	if err != nil {
		return nil, err
	}
	y, err := s.CalendarYear(r, year)
	if err != nil {
		return nil, err
	}
	v := &calendarYearView{Page: s.Base(r, true), Year: y, CanEdit: pubdata.CanEditCalendar(a), Errors: web.FormErrors{}, Saved: r.URL.Query().Get("saved") != ""}
	rows := map[string]*calendarDayRow{}
	for _, d := range y.Days {
		rows[d.Date] = &calendarDayRow{Date: d.Date, Name: d.Name, Workday: !d.IsOffDay}
	}
	for _, c := range y.Corrections {
		row := rows[c.Date]
		if row == nil {
			row = &calendarDayRow{Date: c.Date}
			rows[c.Date] = row
		} else if row.Workday {
			row.NoticeKey = "calendar.day.makeup"
		} else {
			row.NoticeKey = "calendar.day.off"
		}
		row.Name, row.Workday, row.Corrected, row.Reason, row.By = c.Name, c.Workday, true, c.Reason, c.UpdatedBy
	}
	for _, row := range rows {
		if d, err := time.ParseInLocation(time.DateOnly, row.Date, workday.Location); err == nil {
			row.WeekdayKey = weekdayKeys[d.Weekday()].Key
		}
		v.Rows = append(v.Rows, *row)
	}
	slices.SortFunc(v.Rows, func(a, b calendarDayRow) int { return strings.Compare(a.Date, b.Date) })
	return v, nil
}

func (s *Server) PageCalendarYear(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	v, err := s.calendarYearView(r, a)
	if err != nil {
		return err
	}
	return s.Render(w, r, "calendar_year", http.StatusOK, v)
}

// PageCalendarCorrect sets one day from the form: date, kind (workday|off), name, reason.
func (s *Server) PageCalendarCorrect(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	if _, err := s.CalendarEditor(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	v, err := s.calendarYearView(r, a)
	if err != nil {
		return err
	}
	f := r.PostForm
	v.Form = pubdata.CalendarCorrection{Date: strings.TrimSpace(f.Get("date")), Name: f.Get("name"), Reason: f.Get("reason")}
	switch f.Get("kind") {
	case "workday":
		v.Form.Workday = true
	case "off":
	default:
		v.Errors["kind"] = web.Translate(v.Lang, "calendar.error.kind")
	}
	if d, err := time.ParseInLocation(time.DateOnly, v.Form.Date, workday.Location); err != nil {
		v.Errors["date"] = web.Translate(v.Lang, "calendar.error.date")
	} else if d.Year() != v.Year.Year {
		v.Errors["date"] = web.Translate(v.Lang, "calendar.error.year", "Year", v.Year.Year)
	}
	if strings.TrimSpace(v.Form.Reason) == "" {
		v.Errors["reason"] = web.Translate(v.Lang, "calendar.error.reason")
	}
	if len(v.Errors) == 0 {
		c := v.Form
		_, err = s.Calendars.CorrectCalendarDay(r.Context(), &c)
		if web.ErrorIs(err, pubdata.EINVALID) {
			for k, fe := range pubdata.ErrorFields(err) {
				v.Errors[k] = web.FieldText(v.Lang, fe)
			}
		} else if err != nil {
			return err
		}
	}
	if len(v.Errors) > 0 {
		return s.Render(w, r, "calendar_year", http.StatusBadRequest, v)
	}
	web.Redirect(w, r, web.WithQuery("/console/calendar/"+strconv.Itoa(v.Year.Year), "saved", "1"))
	return nil
}

// PageCalendarUncorrect removes a day's correction.
func (s *Server) PageCalendarUncorrect(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	date, err := web.DateInYear(r)
	if err != nil {
		return err
	}
	if _, err := s.CalendarEditor(r); err != nil {
		return err
	}
	if _, err := s.Calendars.RemoveCalendarCorrection(r.Context(), date); err != nil {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/console/calendar/"+r.PathValue("year"), "saved", "1"))
	return nil
}
