package console

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The console page of an entry's pull sources (B3): the provider's editors and
// administrators add, change, delete and run them (pubdata.CanLoadData); the covering
// authority sees them (pubdata.CanReadPullSources). The DSN is never sent back to the
// browser, only its redacted form.

// sourceForm is the form as entered; the DSN is never filled back in.
type sourceForm struct {
	ID, Name, Driver, Table, Query, UpdatedColumn, Columns, Interval, OnError string
	Enabled, Reset                                                            bool
}

func newSourceForm(p *pubdata.PullSource) sourceForm {
	var cols []string
	for _, k := range slices.Sorted(maps.Keys(p.Columns)) {
		cols = append(cols, k+"="+p.Columns[k])
	}
	return sourceForm{ID: p.ID, Name: p.Name, Driver: p.Driver, Table: p.Table, Query: p.Query, UpdatedColumn: p.UpdatedColumn,
		Columns: strings.Join(cols, "\n"), Interval: strconv.Itoa(p.IntervalMinutes), OnError: string(p.OnError), Enabled: p.Enabled}
}

// sourcesPageView is the view of the page.
type sourcesPageView struct {
	web.Page
	Entry     *pubdata.Entry
	Published bool
	Sources   []*pubdata.PullSource
	CanManage bool
	Form      sourceForm
	Editing   bool
	Drivers   []web.CatOption
	Errors    web.FormErrors
}

// sourcesEntry returns the actor and the path's table entry, whose pull sources the actor
// may see.
func (s *Server) sourcesEntry(r *http.Request) (*pubdata.Actor, *pubdata.Entry, error) {
	if s.PullSources == nil {
		return nil, nil, pubdata.Errorf(pubdata.ENOTFOUND, "Pull sources are not available on this server.").Keyed("error.not_available.pull_sources")
	}
	a, err := entryOrgActor(r)
	if err != nil {
		return nil, nil, err
	}
	e, err := s.findWorkingCopy(r, a)
	if err != nil {
		return nil, nil, err
	}
	if !pubdata.CanReadPullSources(a, e) {
		return nil, nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's editors and administrators and the covering authority may see the entry's pull sources.").Keyed("error.source.see_forbidden")
	}
	if e.Format != pubdata.FormatTable {
		return nil, nil, pubdata.Errorf(pubdata.EINVALID, "Entry %q is not a table (its format is %s); only table entries have pull sources.", e.ID, e.Format).
			Keyed("error.source.not_table", "Entry", e.ID, "Format", e.Format)
	}
	return a, e, nil
}

// sourceOf returns the path's source {sid} of entry e; ENOTFOUND for another entry's.
func (s *Server) sourceOf(r *http.Request, e *pubdata.Entry) (*pubdata.PullSource, error) {
	src, err := s.PullSources.FindPullSourceByID(r.Context(), r.PathValue("sid"))
	if err == nil && src.Entry != e.ID {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Pull source %q not found.", r.PathValue("sid")).Keyed("error.source.not_found", "ID", r.PathValue("sid"))
	}
	return src, err
}

func (s *Server) sourcesPage(r *http.Request, a *pubdata.Actor, e *pubdata.Entry) (*sourcesPageView, error) {
	v := &sourcesPageView{Page: s.Base(r, true), Entry: e, Published: e.Version > 0 && e.Status != pubdata.StatusRetired,
		CanManage: pubdata.CanLoadData(a, e.Org), Drivers: sourceDrivers, Errors: web.FormErrors{},
		Form: sourceForm{Driver: pubdata.DriverMySQL, Interval: "60", OnError: string(pubdata.OnErrorAbort), Enabled: true}}
	list, err := s.PullSources.FindPullSources(r.Context(), e.ID)
	if err != nil {
		return nil, err
	}
	v.Sources = list
	q := r.URL.Query()
	if id := q.Get("edit"); id != "" && v.CanManage {
		for _, src := range list {
			if src.ID == id {
				v.Form, v.Editing = newSourceForm(src), true
			}
		}
	}
	switch {
	case q.Get("saved") != "":
		v.Flash = web.Translate(v.Lang, "sources.saved")
	case q.Get("deleted") != "":
		v.Flash = web.Translate(v.Lang, "sources.deleted")
	case q.Get("ran") != "":
		v.Flash = web.Translate(v.Lang, "sources.ran")
	}
	return v, nil
}

func (s *Server) PageSources(w http.ResponseWriter, r *http.Request) error {
	a, e, err := s.sourcesEntry(r)
	if err != nil {
		return err
	}
	v, err := s.sourcesPage(r, a, e)
	if err != nil {
		return err
	}
	return s.Render(w, r, "entry_sources", http.StatusOK, v)
}

// sourceFields are the form's fields, in the order their problems are shown.
var sourceFields = []string{"name", "driver", "dsn", "table", "query", "updated_column", "columns", "interval_minutes", "on_error", "entry"}

// sourceDrivers are the drivers a source may use (pubdata.PullDrivers) with their labels.
var sourceDrivers = []web.CatOption{{Value: "postgres", Key: "sources.driver.postgres"}, {Value: "mysql", Key: "sources.driver.mysql"}}

func (s *Server) PageSourceSave(w http.ResponseWriter, r *http.Request) error {
	a, e, err := s.sourcesEntry(r)
	if err != nil {
		return err
	}
	if !pubdata.CanLoadData(a, e.Org) {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an editor or administrator of the provider may manage the entry's pull sources.").Keyed("error.source.manage_forbidden")
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	pf := r.PostForm
	form := sourceForm{ID: pf.Get("id"), Name: pf.Get("name"), Driver: pf.Get("driver"), Table: pf.Get("table"), Query: pf.Get("query"),
		UpdatedColumn: pf.Get("updated_column"), Columns: pf.Get("columns"), Interval: strings.TrimSpace(pf.Get("interval_minutes")),
		OnError: pf.Get("on_error"), Enabled: pf.Get("enabled") != "", Reset: pf.Get("reset_watermark") != ""}
	lang := web.LangFrom(r.Context())
	errs := web.FormErrors{}
	src := &pubdata.PullSource{ID: form.ID, Name: form.Name, Driver: form.Driver, Table: form.Table, Query: form.Query, UpdatedColumn: form.UpdatedColumn,
		OnError: pubdata.OnError(form.OnError), Enabled: form.Enabled, Columns: map[string]string{}}
	if n, err := strconv.Atoi(form.Interval); err == nil {
		src.IntervalMinutes = n
	} else {
		errs["interval_minutes"] = web.Translate(lang, "error.source.interval", "MinMinutes", pubdata.MinPullInterval, "MaxHours", pubdata.MaxPullInterval/60)
	}
	for _, line := range strings.Split(form.Columns, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		item, col, ok := strings.Cut(line, "=")
		if !ok {
			errs["columns"] = web.Translate(lang, "sources.error.columns")
			continue
		}
		src.Columns[strings.TrimSpace(item)] = strings.TrimSpace(col)
	}
	if len(errs) == 0 {
		p, err := s.Entries.FindPublishedEntry(r.Context(), e.ID)
		if err == nil {
			if form.ID != "" {
				if _, err = s.sourceOfID(r, e, form.ID); err == nil {
					_, err = s.PullSources.UpdatePullSource(r.Context(), p, src, pf.Get("dsn"), form.Reset)
				}
			} else {
				_, err = s.PullSources.CreatePullSource(r.Context(), p, src, pf.Get("dsn"))
			}
		} else if web.ErrorIs(err, pubdata.ENOTFOUND) {
			err = pubdata.Errorf(pubdata.EINVALID, "Entry %q is not published; a pull source fills the table of a published entry.", e.ID).Keyed("error.source.entry_unpublished", "Entry", e.ID)
		}
		switch {
		case err == nil:
			web.Redirect(w, r, web.WithQuery("/console/entries/"+e.ID+"/sources", "saved", "1"))
			return nil
		case !web.ErrorIs(err, pubdata.EINVALID):
			return err
		}
		fields := pubdata.ErrorFields(err)
		for _, f := range sourceFields {
			if fields[f] != nil {
				errs[f] = web.FieldText(lang, fields[f])
			}
		}
		if len(errs) == 0 {
			errs[""] = web.ErrorText(lang, err)
		}
	}
	r.URL.RawQuery = ""
	v, err := s.sourcesPage(r, a, e)
	if err != nil {
		return err
	}
	v.Form, v.Editing, v.Errors = form, form.ID != "", errs
	return s.Render(w, r, "entry_sources", http.StatusBadRequest, v)
}

func (s *Server) sourceOfID(r *http.Request, e *pubdata.Entry, id string) (*pubdata.PullSource, error) {
	r2 := r.Clone(r.Context())
	r2.SetPathValue("sid", id)
	return s.sourceOf(r2, e)
}

// sourceAction checks a POST on the path's source {sid} by one who manages it.
func (s *Server) sourceAction(r *http.Request) (*pubdata.Entry, *pubdata.PullSource, error) {
	a, e, err := s.sourcesEntry(r)
	if err != nil {
		return nil, nil, err
	}
	if !pubdata.CanLoadData(a, e.Org) {
		return nil, nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an editor or administrator of the provider may manage the entry's pull sources.").Keyed("error.source.manage_forbidden")
	}
	src, err := s.sourceOf(r, e)
	return e, src, err
}

func (s *Server) PageSourceDelete(w http.ResponseWriter, r *http.Request) error {
	e, src, err := s.sourceAction(r)
	if err != nil {
		return err
	}
	if err := s.PullSources.DeletePullSource(r.Context(), src.ID); err != nil {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/console/entries/"+e.ID+"/sources", "deleted", "1"))
	return nil
}

// PageSourceRun runs the source now; its outcome (or failure) shows in the list.
func (s *Server) PageSourceRun(w http.ResponseWriter, r *http.Request) error {
	e, src, err := s.sourceAction(r)
	if err != nil {
		return err
	}
	if s.RunPull == nil {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Running pull sources is not available on this server.").Keyed("error.not_available.pull_runs")
	}
	if _, err := s.RunPull(r.Context(), src.ID); err != nil {
		return err
	}
	web.Redirect(w, r, web.WithQuery("/console/entries/"+e.ID+"/sources", "ran", "1"))
	return nil
}
