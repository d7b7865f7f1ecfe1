package api

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"net/http"
)

// Pull sources (B3): the provider's databases the platform pulls an entry's rows from.
// The provider's admins and editors manage them; the covering authority may read them.
// The DSN is write-only: responses carry its redacted form.

// pullSourceRequest is the body of POST and PATCH: absent fields keep their value (POST:
// the defaults; enabled defaults to true).
type pullSourceRequest struct {
	Name            *string           `json:"name"`
	Driver          *string           `json:"driver"`
	DSN             *string           `json:"dsn"`
	Table           *string           `json:"table"`
	Query           *string           `json:"query"`
	UpdatedColumn   *string           `json:"updated_column"`
	Columns         map[string]string `json:"columns"`
	IntervalMinutes *int              `json:"interval_minutes"`
	OnError         *string           `json:"on_error"`
	Enabled         *bool             `json:"enabled"`
	// ResetWatermark (PATCH) makes the next run read every row again.
	ResetWatermark bool `json:"reset_watermark"`
}

// apply sets the fields present in the request on p and returns the new DSN ("" to keep).
func (req *pullSourceRequest) apply(p *pubdata.PullSource) string {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.Name, req.Name)
	set(&p.Driver, req.Driver)
	set(&p.Table, req.Table)
	set(&p.Query, req.Query)
	set(&p.UpdatedColumn, req.UpdatedColumn)
	if req.Columns != nil {
		p.Columns = req.Columns
	}
	if req.IntervalMinutes != nil {
		p.IntervalMinutes = *req.IntervalMinutes
	}
	if req.OnError != nil {
		p.OnError = pubdata.OnError(*req.OnError)
	}
	if req.Enabled != nil {
		p.Enabled = *req.Enabled
	}
	if req.DSN != nil {
		return *req.DSN
	}
	return ""
}

// pullEntry returns the signed-in actor and the working copy of entry id, checking that the
// actor may read its pull sources, or manage them when manage is set: ENOTFOUND when the
// actor may not see the entry, EFORBIDDEN when they may see it but not this.
func (s *Server) pullEntry(r *http.Request, id string, manage bool) (*pubdata.Actor, *pubdata.Entry, error) {
	if s.PullSources == nil {
		return nil, nil, pubdata.Errorf(pubdata.ENOTFOUND, "Pull sources are not available on this server.").Keyed("error.not_available.pull_sources")
	}
	a, e, err := s.entryForChangeID(r, id)
	if err != nil {
		return nil, nil, err
	}
	if manage && !pubdata.CanLoadData(a, e.Org) {
		return nil, nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an editor or administrator of the provider may manage the entry's pull sources.").Keyed("error.source.manage_forbidden")
	}
	if !pubdata.CanReadPullSources(a, e) {
		return nil, nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the provider's editors and administrators and the covering authority may see the entry's pull sources.").Keyed("error.source.see_forbidden")
	}
	return a, e, nil
}

// entryForChangeID is entryForChange for an entry id that is not the path's {id}.
func (s *Server) entryForChangeID(r *http.Request, id string) (*pubdata.Actor, *pubdata.Entry, error) {
	r2 := r.Clone(r.Context())
	r2.SetPathValue("id", id)
	return s.entryForChange(r2)
}

// pullSourceFor returns a source and its entry for the actor (see pullEntry); a source the
// actor may not see is ENOTFOUND.
func (s *Server) pullSourceFor(r *http.Request, manage bool) (*pubdata.PullSource, *pubdata.Entry, error) {
	if s.PullSources == nil {
		return nil, nil, pubdata.Errorf(pubdata.ENOTFOUND, "Pull sources are not available on this server.").Keyed("error.not_available.pull_sources")
	}
	if _, err := web.RequireUser(r); err != nil {
		return nil, nil, err
	}
	id := r.PathValue("id")
	src, err := s.PullSources.FindPullSourceByID(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	_, e, err := s.pullEntry(r, src.Entry, manage)
	if web.ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, nil, pubdata.Errorf(pubdata.ENOTFOUND, "Pull source %q not found.", id).Keyed("error.source.not_found", "ID", id)
	} else if err != nil {
		return nil, nil, err
	}
	return src, e, nil
}

// publishedTable returns the published version of the entry, whose table sources fill.
func (s *Server) publishedTable(r *http.Request, id string) (*pubdata.Entry, error) {
	p, err := s.Entries.FindPublishedEntry(r.Context(), id)
	if web.ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, pubdata.Errorf(pubdata.EINVALID, "Entry %q is not published; a pull source fills the table of a published entry.", id).
			Keyed("error.source.entry_unpublished", "Entry", id)
	}
	return p, err
}

func (s *Server) ApiPullSourceList(w http.ResponseWriter, r *http.Request) error {
	_, e, err := s.pullEntry(r, r.PathValue("id"), false)
	if err != nil {
		return err
	}
	list, err := s.PullSources.FindPullSources(r.Context(), e.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"sources": list})
	return nil
}

func (s *Server) ApiPullSourceCreate(w http.ResponseWriter, r *http.Request) error {
	_, e, err := s.pullEntry(r, r.PathValue("id"), true)
	if err != nil {
		return err
	}
	var req pullSourceRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	p, err := s.publishedTable(r, e.ID)
	if err != nil {
		return err
	}
	src := &pubdata.PullSource{Enabled: true}
	dsn := req.apply(src)
	created, err := s.PullSources.CreatePullSource(r.Context(), p, src, dsn)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/sources/"+created.ID)
	web.WriteJSON(w, http.StatusCreated, created)
	return nil
}

func (s *Server) ApiPullSourceGet(w http.ResponseWriter, r *http.Request) error {
	src, _, err := s.pullSourceFor(r, false)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, src)
	return nil
}

func (s *Server) ApiPullSourcePatch(w http.ResponseWriter, r *http.Request) error {
	src, e, err := s.pullSourceFor(r, true)
	if err != nil {
		return err
	}
	var req pullSourceRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	p, err := s.publishedTable(r, e.ID)
	if err != nil {
		return err
	}
	dsn := req.apply(src)
	updated, err := s.PullSources.UpdatePullSource(r.Context(), p, src, dsn, req.ResetWatermark)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, updated)
	return nil
}

func (s *Server) ApiPullSourceDelete(w http.ResponseWriter, r *http.Request) error {
	src, _, err := s.pullSourceFor(r, true)
	if err != nil {
		return err
	}
	if err := s.PullSources.DeletePullSource(r.Context(), src.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ApiPullSourceRun runs the source now and answers with the source after the run and the
// run's batch (null when the run failed before it could start one, e.g. the database did
// not answer: the source's last_error says why). 409 while another run holds it.
func (s *Server) ApiPullSourceRun(w http.ResponseWriter, r *http.Request) error {
	src, _, err := s.pullSourceFor(r, true)
	if err != nil {
		return err
	}
	if s.RunPull == nil {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Running pull sources is not available on this server.").Keyed("error.not_available.pull_runs")
	}
	b, err := s.RunPull(r.Context(), src.ID)
	if err != nil {
		return err
	}
	after, err := s.PullSources.FindPullSourceByID(r.Context(), src.ID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"source": after, "batch": b})
	return nil
}
