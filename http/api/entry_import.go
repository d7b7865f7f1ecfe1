package api

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/entryfile"
	"io"
	"mime"
	"net/http"
	"strings"
)

// importer returns the actor who may import into their organisation's catalogue.
func importer(r *http.Request) (*pubdata.Actor, error) {
	a, err := web.RequireUser(r)
	if err != nil {
		return nil, err
	}
	if a.Org == nil || !pubdata.CanEditEntry(a, a.Org.Code) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an editor or administrator of an organisation may import its catalogue entries.").Keyed("error.entry.import_forbidden")
	}
	return a, nil
}

// ApiEntryImport imports a catalogue template sent as the body (CSV or XLSX, told apart by
// content) or as the "file" part of a multipart form. 200 with the counts; 400 with the
// problems, each at its line and column, when anything is wrong (nothing is written).
func (s *Server) ApiEntryImport(w http.ResponseWriter, r *http.Request) error {
	a, err := importer(r)
	if err != nil {
		return err
	}
	dryRun, err := web.BoolParam(r, "dry_run")
	if err != nil {
		return err
	}
	var file io.Reader = r.Body
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		f, err := uploadedFile(r)
		if err != nil {
			return err
		}
		defer f.Close()
		file = f
	}
	res, err := s.ImportEntries(r, a, file, dryRun)
	if err != nil {
		return err
	}
	web.ImportErrorsIn(web.ApiLang(r), res)

	status := http.StatusOK
	if len(res.Errors) > 0 {
		status = http.StatusBadRequest
	}
	web.WriteJSON(w, status, res)
	return nil
}

// uploadedFile returns the "file" part of a multipart form.
func uploadedFile(r *http.Request) (io.ReadCloser, error) {
	if err := r.ParseMultipartForm(web.MaxImportMemory); err != nil {
		if e := web.NormalizeError(err); e != err {
			return nil, e
		}
		return nil, pubdata.Errorf(pubdata.EINVALID, "The multipart form could not be read.").Keyed("error.upload.multipart_form")
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		return nil, pubdata.FieldErrorf("file", "The form has no file (field \"file\").").Keyed("error.upload.no_file")
	}
	return f, nil
}

// exportOrg returns the organisation whose working copies the actor may export: their own
// (?org= empty or their own code), or for an authority one inside its division.
func (s *Server) exportOrg(r *http.Request) (*pubdata.Org, error) {
	a, err := web.RequireUser(r)
	if err != nil {
		return nil, err
	}
	if a.Org == nil {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only members of an organisation have a catalogue to export; public users can download the published lists.").
			Keyed("error.entry.export_members_only")
	}
	code := strings.TrimSpace(r.URL.Query().Get("org"))
	if code == "" || code == a.Org.Code {
		return a.Org, nil
	}
	if !a.IsAuthority() {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "You may export your own organisation's entries only.").Keyed("error.entry.export_own")
	}
	o, err := s.Orgs.FindOrgByCode(r.Context(), code)
	if err != nil {
		return nil, err
	}
	if !pubdata.DivisionCovers(a.Org.Division, o.Division) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Organisation %s is outside your authority's division.", code).
			Keyed("error.entry.export_outside_division", "Org", code)
	}
	return o, nil
}

// formatParam reads ?format=csv|xlsx (default csv).
func formatParam(r *http.Request) (entryfile.Format, error) {
	v := r.URL.Query().Get("format")
	if v == "" {
		return entryfile.CSV, nil
	}
	f, ok := entryfile.ParseFormat(v)
	if !ok {
		return "", web.ParamError("format", pubdata.NewMessage("error.param.export_format", "Value", v), "must be csv or xlsx, not %q.", v)
	}
	return f, nil
}

// ApiEntryExport downloads the working copies of an organisation's entries in the import
// template's layout, so that they can be edited in a spreadsheet and imported again.
func (s *Server) ApiEntryExport(w http.ResponseWriter, r *http.Request) error {
	org, err := s.exportOrg(r)
	if err != nil {
		return err
	}
	format, err := formatParam(r)
	if err != nil {
		return err
	}
	if s.Entries == nil {
		return errors.New("export: the server has no EntryService")
	}
	entries, err := entryfile.OrgEntries(r.Context(), s.Entries, org.Code)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("catalogue-%s-%s", org.Code, s.Now().In(web.DisplayZone).Format("20060102"))
	return writeEntryFile(w, format, name, entries)
}

// ApiEntryTemplate downloads the empty template.
func (s *Server) ApiEntryTemplate(w http.ResponseWriter, r *http.Request) error {
	format, err := formatParam(r)
	if err != nil {
		return err
	}
	return writeEntryFile(w, format, "catalogue-template", nil)
}

// writeEntryFile encodes into a buffer first, so that a failure still renders as an error.
func writeEntryFile(w http.ResponseWriter, format entryfile.Format, name string, entries []*pubdata.Entry) error {
	var buf bytes.Buffer
	if err := entryfile.Encode(&buf, format, entries); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", format.ContentType())
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, name, format))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(buf.Bytes())
	return err
}
