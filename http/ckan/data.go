package ckan

import (
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/datafile"
)

// CkanDatastoreDump is CKAN's GET /datastore/dump/{id}: the whole table of an open resource
// the caller may read, as CSV (format=csv, the default; bom=true for Excel) or as CKAN's
// JSON ({"fields":[…],"records":[[…],…]}), with _id (the row's number, as datastore_search
// gives it) first unless fields leaves it out. q, filters
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
		fields := []map[string]any{}
		if q.WithRowID {
			fields = append(fields, map[string]any{"id": pubdata.RowID, "type": "int"})
		}
		for _, c := range sel.Columns {
			fields = append(fields, ckanMaskedField(e.Items, c, rd.Decision()))
		}
		d := web.Download{ContentType: "application/json; charset=utf-8", Filename: web.CkanName(e) + ".json"}
		return s.Stream(w, r, sel, d, &web.CKANDumpRows{Fields: fields, NoID: !q.WithRowID})
	}
	return s.Stream(w, r, sel, web.FileDownload(e, datafile.CSV), &web.FileRows{Format: datafile.CSV, BOM: bom, RowNumbers: q.WithRowID})
}
