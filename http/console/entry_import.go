package console

import (
	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/entryfile"
	"net/http"
)

// importView is the view of the console's import page.
type importView struct {
	web.Page
	OrgName   string
	CanImport bool
	DryRun    bool
	FileName  string
	Errors    web.FormErrors
	Result    *entryfile.Result
	Problems  int  // how many problems the file has (the page lists the first importReportLimit)
	Written   bool // the import wrote entries (not a dry run, no problems)
	Partial   bool // a problem stopped the import after it had written some entries
}

// importReportLimit is how many problems the page lists; the API returns them all.
const importReportLimit = 200

func (s *Server) importView(r *http.Request, a *pubdata.Actor) (*importView, error) {
	if a.Org == nil {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only members of an organisation have a catalogue to import into.").Keyed("error.entry.import_members_only")
	}
	return &importView{
		Page:      s.Base(r, true),
		OrgName:   a.Org.Name,
		CanImport: pubdata.CanEditEntry(a, a.Org.Code),
		DryRun:    true,
		Errors:    web.FormErrors{},
	}, nil
}

func (s *Server) PageEntryImport(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
	if err != nil {
		return err
	}
	v, err := s.importView(r, a)
	if err != nil {
		return err
	}
	return s.Render(w, r, "entries_import", http.StatusOK, v)
}

func (s *Server) PageEntryImportSubmit(w http.ResponseWriter, r *http.Request) error {
	a, err := web.ConsoleActor(r)
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
	if err := r.ParseMultipartForm(web.MaxImportMemory); err != nil {
		if e := web.NormalizeError(err); e != err {
			return e
		}
		return pubdata.Errorf(pubdata.EINVALID, "The form could not be read.").Keyed("error.form.unreadable")
	}
	v.DryRun = r.PostForm.Get("dry_run") != ""
	f, hdr, err := r.FormFile("file")
	if err != nil || hdr.Size == 0 {
		v.Errors["file"] = web.Translate(v.Lang, "import.error.no_file")
		return s.Render(w, r, "entries_import", http.StatusBadRequest, v)
	}
	defer f.Close()
	v.FileName = hdr.Filename
	res, err := s.ImportEntries(r, a, f, v.DryRun)
	if err != nil {
		return err
	}
	web.ImportErrorsIn(v.Lang, res)
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
	return s.Render(w, r, "entries_import", status, v)
}
