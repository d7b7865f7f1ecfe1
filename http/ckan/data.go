package ckan

import (
	"encoding/json"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/datafile"
	"io"
	"net/http"
	"strings"
)

// ckanDatastoreDump is CKAN's GET /datastore/dump/{id}: the whole table of an open resource
// the caller may read, as CSV (format=csv, the default; bom=true for Excel) or as CKAN's
// JSON ({"fields":[…],"records":[[…],…]}), with _id (the row's position) first. q, filters
// (JSON object), fields, sort, limit and offset select as in datastore_search.
func (s *Server) CkanDatastoreDump(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	e, err := s.Entries.FindPublishedEntry(r.Context(), id)
	if web.ErrorIs(err, pubdata.ENOTFOUND) || (err == nil && (!web.OpenEntry(e) || e.ID != id || e.Format != pubdata.FormatTable)) || s.Data == nil {
		return pubdata.Errorf(pubdata.ENOTFOUND, "Resource %q was not found.", id)
	} else if err != nil {
		return err
	}
	p := ckanParams{}
	for k, v := range r.URL.Query() {
		p[k] = v[len(v)-1]
	}
	format := strings.ToLower(p.str("format"))
	rd, err := s.OpenRead(r, e)
	if err != nil {
		return err
	}
	if !rd.Allowed() {
		return rd.Refused(r.Context(), access.KindDump(format), false)
	}
	filters, err := ckanObject(p, "filters")
	if err != nil {
		return pubdata.Errorf(pubdata.EINVALID, "%s", err.(*ckanError).msg)
	}
	q, err := ckanRowQuery(e.Items, p, filters)
	if err != nil {
		if ce, ok := err.(*ckanError); ok {
			return pubdata.Errorf(pubdata.EINVALID, "%s", ce.msg)
		}
		return err
	}
	for _, n := range []string{"limit", "offset"} {
		v, err := p.int(n, 0)
		if err != nil {
			return pubdata.Errorf(pubdata.EINVALID, "%s", err.(*ckanError).msg)
		}
		if n == "limit" {
			q.Limit = v
		} else {
			q.Offset = v
		}
	}
	sel, err := rd.Select(r.Context(), q, access.KindDump(format))
	if err != nil {
		return err
	}
	bom, _ := p.bool("bom", false)
	if format != "" && format != "csv" && format != "json" {
		return pubdata.Errorf(pubdata.EINVALID, "format %q is not one of csv, json.", format)
	}
	if err := sel.Record(r.Context()); err != nil {
		return err
	}
	if format == "json" {
		return s.writeCKANDumpJSON(w, r, e, sel, rd.Decision())
	}
	return s.WriteRowFile(w, r, e, sel, datafile.CSV, bom, true)
}

// writeCKANDumpJSON streams CKAN's JSON dump: {"fields":[…],"records":[[_id, …],…]}, the
// values masked by m (masked fields are text).
func (s *Server) writeCKANDumpJSON(w http.ResponseWriter, r *http.Request, e *pubdata.Entry, sel *access.Selection, d pubdata.AccessDecision) error {
	fields := []map[string]any{{"id": "_id", "type": "int"}}
	for _, c := range sel.Columns {
		fields = append(fields, ckanMaskedField(e.Items, c, d))
	}
	fb, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	started := false
	start := func() {
		started = true
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+web.CkanName(e)+`.json"`)
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"fields":`+string(fb)+`,"records":[`)
	}
	offset := int64(sel.Query().Offset)
	n := offset
	var buf []byte
	_, err = sel.Each(r.Context(), func(values []any) error {
		if !started {
			start()
		}
		buf = buf[:0]
		if n > offset {
			buf = append(buf, ',')
		}
		n++
		b, err := json.Marshal(append([]any{n}, values...))
		if err != nil {
			return err
		}
		_, err = w.Write(append(buf, b...))
		return err
	})
	if err != nil {
		if !started {
			return err
		}
		s.AbortStream(r, err)
	}
	if !started {
		start()
	}
	io.WriteString(w, "]}\n")
	return nil
}
