package console

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// The leak tracing page (issue 15 item 7): the authority uploads a leaked copy, picks the
// entry, and reads which recipient of fingerprinted copies it was traced to.

// traceEntry is an entry of which fingerprinted copies were sent, to pick.
type traceEntry struct {
	ID, Title string
}

type traceView struct {
	web.Page
	Entries   []traceEntry
	Entry     string
	Report    *web.TraceReport
	Threshold float64
	Errors    web.FormErrors
}

// traceActor is the console's caller when it may trace leaks (an authority's admin or
// reviewer, on a server that fingerprints copies).
func (s *Server) traceActor(r *http.Request) (*pubdata.Actor, error) {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return nil, err
	}
	if !pubdata.IsSupervisor(a) || s.Fingerprints == nil {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the covering authority's admins and reviewers trace leaked copies.").Keyed("error.fingerprint.trace_forbidden")
	}
	return a, nil
}

func (s *Server) traceView(r *http.Request, a *pubdata.Actor) (*traceView, error) {
	v := &traceView{Page: s.Base(r, true), Errors: web.FormErrors{}, Threshold: web.TraceThreshold}
	ids, err := s.Fingerprints.Entries(r.Context(), 200)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		e, err := s.Entries.FindPublishedEntry(r.Context(), id)
		if err != nil || !pubdata.CanTraceLeak(a, e) {
			continue
		}
		v.Entries = append(v.Entries, traceEntry{ID: e.ID, Title: e.Title})
	}
	return v, nil
}

// PageTrace is GET /console/trace: the form.
func (s *Server) PageTrace(w http.ResponseWriter, r *http.Request) error {
	a, err := s.traceActor(r)
	if err != nil {
		return err
	}
	v, err := s.traceView(r, a)
	if err != nil {
		return err
	}
	v.Entry = r.URL.Query().Get("entry")
	return s.Render(w, r, "trace", http.StatusOK, v)
}

// PageTraceSubmit is POST /console/trace (multipart: entry, file): the trace's report.
func (s *Server) PageTraceSubmit(w http.ResponseWriter, r *http.Request) error {
	a, err := s.traceActor(r)
	if err != nil {
		return err
	}
	v, err := s.traceView(r, a)
	if err != nil {
		return err
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(10 * time.Minute))
	mr, err := r.MultipartReader()
	if err != nil {
		return pubdata.Errorf(pubdata.EINVALID, "The upload form must be sent as multipart/form-data.").Keyed("error.data.upload_multipart")
	}
	var file []byte
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return web.NormalizeError(pubdata.Errorf(pubdata.EINVALID, "The upload form could not be read: %v.", err).Keyed("error.upload.form_unreadable", "Error", err))
		}
		switch part.FormName() {
		case "entry":
			b, _ := io.ReadAll(io.LimitReader(part, 200))
			v.Entry = strings.TrimSpace(string(b))
		case "file":
			b, err := io.ReadAll(io.LimitReader(part, web.MaxTraceBytes+1))
			if err != nil {
				return web.NormalizeError(err)
			}
			if len(b) > web.MaxTraceBytes {
				v.Errors["file"] = web.Translate(v.Lang, "trace.error.too_large", "MiB", web.MaxTraceBytes>>20)
			}
			file = b
		}
	}
	if v.Entry == "" {
		v.Errors["entry"] = web.Translate(v.Lang, "trace.error.entry")
	}
	if len(file) == 0 && v.Errors["file"] == "" {
		v.Errors["file"] = web.Translate(v.Lang, "trace.error.file")
	}
	if len(v.Errors) > 0 {
		return s.Render(w, r, "trace", http.StatusBadRequest, v)
	}
	e, err := s.TraceEntry(r.Context(), v.Entry)
	if err != nil {
		if web.ErrorIs(err, pubdata.ENOTFOUND) {
			v.Errors["entry"] = web.Translate(v.Lang, "trace.error.entry")
			return s.Render(w, r, "trace", http.StatusBadRequest, v)
		}
		return err
	}
	rep, err := s.TraceLeak(r.Context(), e, file)
	switch {
	case err == nil:
		v.Report = rep
		return s.Render(w, r, "trace", http.StatusOK, v)
	case web.ErrorIs(err, pubdata.EINVALID):
		v.Errors["file"] = web.ErrorText(v.Lang, err)
		return s.Render(w, r, "trace", http.StatusBadRequest, v)
	}
	return err
}
