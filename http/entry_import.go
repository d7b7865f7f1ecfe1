package http

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/entryfile"
)

// maxImportMemory is how much of a multipart upload is held in memory; the rest goes to a
// temporary file. The body limit (Server.MaxBodyBytes) bounds the whole upload.
const maxImportMemory = 8 << 20

// importer returns the actor who may import into their organisation's catalogue.
func importer(r *http.Request) (*pubdata.Actor, error) {
	a, err := requireUser(r)
	if err != nil {
		return nil, err
	}
	if a.Org == nil || !pubdata.CanEditEntry(a, a.Org.Code) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an editor or administrator of an organisation may import its catalogue entries.").Keyed("error.entry.import_forbidden")
	}
	return a, nil
}

// importEntries decodes the file and imports its entries into the actor's organisation:
// all or nothing, or only checked with dryRun.
func (s *Server) importEntries(r *http.Request, a *pubdata.Actor, file io.Reader, dryRun bool) (*entryfile.Result, error) {
	if s.Entries == nil {
		return nil, errors.New("import: the server has no EntryService")
	}
	opt := entryfile.Options{DefaultDivision: a.Org.Division}
	if s.Elements != nil {
		els, err := s.Elements.FindElements(r.Context())
		if err != nil {
			return nil, err
		}
		opt.Elements = els
	}
	res, err := entryfile.ImportFile(r.Context(), s.Entries, a.Org.Code, file, opt, entryfile.ImportOptions{
		DryRun: dryRun,
		Check: func(f *pubdata.EntryFields) error {
			return pubdata.CheckEntryDivision(a.Org, f.Division, s.Divisions.Check)
		},
	})
	return res, normalizeError(err)
}

// boolParam reads a true/false query parameter (default false).
func boolParam(r *http.Request, name string) (bool, error) {
	switch v := r.URL.Query().Get(name); v {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	default:
		return false, paramError(name, "must be true or false, not %q.", v)
	}
}

// apiEntryImport imports a catalogue template sent as the body (CSV or XLSX, told apart by
// content) or as the "file" part of a multipart form. 200 with the counts; 400 with the
// problems, each at its line and column, when anything is wrong (nothing is written).
func (s *Server) apiEntryImport(w http.ResponseWriter, r *http.Request) error {
	a, err := importer(r)
	if err != nil {
		return err
	}
	dryRun, err := boolParam(r, "dry_run")
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
	res, err := s.importEntries(r, a, file, dryRun)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if len(res.Errors) > 0 {
		status = http.StatusBadRequest
	}
	writeJSON(w, status, res)
	return nil
}

// uploadedFile returns the "file" part of a multipart form.
func uploadedFile(r *http.Request) (io.ReadCloser, error) {
	if err := r.ParseMultipartForm(maxImportMemory); err != nil {
		if e := normalizeError(err); e != err {
			return nil, e
		}
		return nil, pubdata.Errorf(pubdata.EINVALID, "The multipart form could not be read.")
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		return nil, pubdata.FieldErrorf("file", "The form has no file (field \"file\").")
	}
	return f, nil
}

// exportOrg returns the organisation whose working copies the actor may export: their own
// (?org= empty or their own code), or for an authority one inside its division.
func (s *Server) exportOrg(r *http.Request) (*pubdata.Org, error) {
	a, err := requireUser(r)
	if err != nil {
		return nil, err
	}
	if a.Org == nil {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only members of an organisation have a catalogue to export; public users can download the published lists.")
	}
	code := strings.TrimSpace(r.URL.Query().Get("org"))
	if code == "" || code == a.Org.Code {
		return a.Org, nil
	}
	if !a.IsAuthority() {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "You may export your own organisation's entries only.")
	}
	o, err := s.Orgs.FindOrgByCode(r.Context(), code)
	if err != nil {
		return nil, err
	}
	if !pubdata.DivisionCovers(a.Org.Division, o.Division) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Organisation %s is outside your authority's division.", code)
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
		return "", paramError("format", "must be csv or xlsx, not %q.", v)
	}
	return f, nil
}

// apiEntryExport downloads the working copies of an organisation's entries in the import
// template's layout, so that they can be edited in a spreadsheet and imported again.
func (s *Server) apiEntryExport(w http.ResponseWriter, r *http.Request) error {
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
	name := fmt.Sprintf("catalogue-%s-%s", org.Code, s.now().In(displayZone).Format("20060102"))
	return writeEntryFile(w, format, name, entries)
}

// apiEntryTemplate downloads the empty template.
func (s *Server) apiEntryTemplate(w http.ResponseWriter, r *http.Request) error {
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

// importView is the view of the console's import page.
type importView struct {
	page
	OrgName   string
	CanImport bool
	DryRun    bool
	FileName  string
	Errors    formErrors
	Result    *entryfile.Result
	Problems  int  // how many problems the file has (the page lists the first importReportLimit)
	Written   bool // the import wrote entries (not a dry run, no problems)
	Partial   bool // a problem stopped the import after it had written some entries
}

// importReportLimit is how many problems the page lists; the API returns them all.
const importReportLimit = 200

func (s *Server) importView(r *http.Request, a *pubdata.Actor) (*importView, error) {
	if a.Org == nil {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only members of an organisation have a catalogue to import into.")
	}
	return &importView{
		page:      s.base(r, true),
		OrgName:   a.Org.Name,
		CanImport: pubdata.CanEditEntry(a, a.Org.Code),
		DryRun:    true,
		Errors:    formErrors{},
	}, nil
}

func (s *Server) pageEntryImport(w http.ResponseWriter, r *http.Request) error {
	a, err := consoleActor(r)
	if err != nil {
		return err
	}
	v, err := s.importView(r, a)
	if err != nil {
		return err
	}
	return s.render(w, r, "entries_import", http.StatusOK, v)
}

func (s *Server) pageEntryImportSubmit(w http.ResponseWriter, r *http.Request) error {
	a, err := consoleActor(r)
	if err != nil {
		return err
	}
	v, err := s.importView(r, a)
	if err != nil {
		return err
	}
	if !v.CanImport {
		return pubdata.Errorf(pubdata.EFORBIDDEN, "Only an editor or administrator of an organisation may import its catalogue entries.").Keyed("error.entry.import_forbidden")
	}
	if err := r.ParseMultipartForm(maxImportMemory); err != nil {
		if e := normalizeError(err); e != err {
			return e
		}
		return pubdata.Errorf(pubdata.EINVALID, "The form could not be read.")
	}
	v.DryRun = r.PostForm.Get("dry_run") != ""
	f, hdr, err := r.FormFile("file")
	if err != nil || hdr.Size == 0 {
		v.Errors["file"] = translate(v.Lang, "import.error.no_file")
		return s.render(w, r, "entries_import", http.StatusBadRequest, v)
	}
	defer f.Close()
	v.FileName = hdr.Filename
	res, err := s.importEntries(r, a, f, v.DryRun)
	if err != nil {
		return err
	}
	v.Result = res
	status := http.StatusOK
	switch {
	case len(res.Errors) > 0:
		status = http.StatusBadRequest
		v.Partial = !res.DryRun && res.Created+res.Updated > 0
	case !res.DryRun:
		v.Written = true
	}
	v.Problems = len(res.Errors)
	if len(res.Errors) > importReportLimit {
		res.Errors = res.Errors[:importReportLimit]
	}
	return s.render(w, r, "entries_import", status, v)
}
