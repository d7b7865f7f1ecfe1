package console

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/filetype"
)

// The files of a file entry in the console (issue 11 item 4): the provider's admins and
// editors upload files, describe them, upload new versions and withdraw them; the
// provider's other users and the covering authority see the files with every version.

// filesView is the view of an entry's files page.
type filesView struct {
	web.Page
	Entry     *pubdata.Entry // the published version
	Files     []consoleFile
	CanManage bool
	MaxSize   string
	Accepted  string
	Done      string // what was just done (doneKinds)
	// NewErrors are the problems of the new file's form, Form its fields when refused; a
	// file's own forms' problems are its Errors.
	NewErrors web.FormErrors
	Form      pubdata.FileFields
}

// consoleFile is a file on the page with its versions.
type consoleFile struct {
	*pubdata.EntryFile
	Size     string
	URL      string
	Versions []consoleVersion
	Errors   web.FormErrors
}

// consoleVersion is a version with its measured size and download link.
type consoleVersion struct {
	pubdata.FileVersion
	Size string
	URL  string
}

// doneKinds are what was just done, the ?done= of the redirect (message files.done.<kind>).
var doneKinds = []string{"uploaded", "version", "updated", "withdrawn"}

// filesEntry returns the published file entry of the path for a caller who sees its
// working copy (the provider's users, the covering authority).
func (s *Server) filesEntry(r *http.Request) (*pubdata.Actor, *pubdata.Entry, error) {
	a, err := entryOrgActor(r)
	if err != nil {
		return nil, nil, err
	}
	if s.Files == nil {
		return nil, nil, pubdata.Errorf(pubdata.ENOTFOUND, "This server holds no files.").Keyed("error.file.not_available")
	}
	w, err := s.findWorkingCopy(r, a)
	if err != nil {
		return nil, nil, err
	}
	e, err := s.Entries.FindPublishedEntry(r.Context(), w.ID)
	if web.ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, nil, pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q is not published, so it holds no files yet.", w.ID).Keyed("error.file.entry_unpublished", "ID", w.ID)
	} else if err != nil {
		return nil, nil, err
	}
	if e.Format != pubdata.FormatFile {
		return nil, nil, pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q is not a file entry (its format is %s); only file entries hold files.", e.ID, e.Format).
			Keyed("error.file.not_file_entry", "Entry", e.ID, "Format", e.Format)
	}
	return a, e, nil
}

// filesPage builds the page's view.
func (s *Server) filesPage(r *http.Request, a *pubdata.Actor, e *pubdata.Entry) (*filesView, error) {
	v := &filesView{Page: s.Base(r, true), Entry: e, CanManage: pubdata.CanManageFiles(a, e.Org),
		MaxSize: web.ByteSize(s.MaxFileBytes), Accepted: filetype.AcceptedFormats(), NewErrors: web.FormErrors{}}
	if d := r.URL.Query().Get("done"); slices.Contains(doneKinds, d) {
		v.Done = d
	}
	files, err := s.Files.FindFiles(r.Context(), e.ID, true)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		full, err := s.Files.FindFile(r.Context(), f.ID)
		if err != nil {
			return nil, err
		}
		cf := consoleFile{EntryFile: full, Size: web.ByteSize(full.Latest.Size), URL: web.FileURL(e.ID, f.ID, 0)}
		for _, ver := range full.Versions {
			cf.Versions = append(cf.Versions, consoleVersion{FileVersion: ver, Size: web.ByteSize(ver.Size), URL: web.FileURL(e.ID, f.ID, ver.Version)})
		}
		v.Files = append(v.Files, cf)
	}
	return v, nil
}

func (s *Server) PageFiles(w http.ResponseWriter, r *http.Request) error {
	a, e, err := s.filesEntry(r)
	if err != nil {
		return err
	}
	v, err := s.filesPage(r, a, e)
	if err != nil {
		return err
	}
	return s.Render(w, r, "entry_files", http.StatusOK, v)
}

// fileChange is the entry of the path for a change by the signed-in provider.
func (s *Server) fileChange(r *http.Request) (*pubdata.Actor, *pubdata.Entry, error) {
	a, e, err := s.filesEntry(r)
	if err != nil {
		return nil, nil, err
	}
	if !pubdata.CanManageFiles(a, e.Org) {
		return nil, nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the administrators and editors of %s may change the files of this entry.", e.OrgName).
			Keyed("error.file.forbidden_named", "Org", e.OrgName)
	}
	return a, e, nil
}

// refused renders the page with a refused change's problems on the form of errorsFor.
func (s *Server) refused(w http.ResponseWriter, r *http.Request, a *pubdata.Actor, e *pubdata.Entry, errorsFor string, form pubdata.FileFields, err error) error {
	if !web.ErrorIs(err, pubdata.EINVALID) && !web.ErrorIs(err, pubdata.ETOOLARGE) && !web.ErrorIs(err, pubdata.ECONFLICT) {
		return err
	}
	v, verr := s.filesPage(r, a, e)
	if verr != nil {
		return verr
	}
	errs := v.NewErrors
	if errorsFor == "" {
		v.Form = form
	} else {
		for i := range v.Files {
			if v.Files[i].ID == errorsFor {
				v.Files[i].Errors = web.FormErrors{}
				errs = v.Files[i].Errors
			}
		}
	}
	if fe := pubdata.ErrorFields(err); len(fe) > 0 {
		for field, p := range fe {
			errs[field] = web.FieldText(v.Lang, p)
		}
	} else {
		errs[""] = web.ErrorText(v.Lang, err)
	}
	status := http.StatusBadRequest
	if web.ErrorIs(err, pubdata.ETOOLARGE) {
		status = http.StatusRequestEntityTooLarge
	}
	return s.Render(w, r, "entry_files", status, v)
}

// done goes back to the files page, at the file.
func done(w http.ResponseWriter, r *http.Request, e *pubdata.Entry, what, fileID string) {
	web.Redirect(w, r, web.WithQuery("/console/entries/"+e.ID+"/files", "done", what)+"#file-"+fileID)
}

func (s *Server) PageFileUpload(w http.ResponseWriter, r *http.Request) error {
	a, e, err := s.fileChange(r)
	if err != nil {
		return err
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(time.Hour)) // a large file on a slow line
	up, err := s.ReadFileUpload(r)
	if err != nil {
		return s.refused(w, r, a, e, "", pubdata.FileFields{}, err)
	}
	b, err := up.RequireFile()
	if err == nil {
		var f *pubdata.EntryFile
		if f, err = s.Files.CreateFile(r.Context(), e.ID, up.Fields, b); err == nil {
			done(w, r, e, "uploaded", f.ID)
			return nil
		}
	}
	return s.refused(w, r, a, e, "", up.Fields, err)
}

// fileOf is the path's file of e, with its versions.
func (s *Server) fileOf(r *http.Request, e *pubdata.Entry) (*pubdata.EntryFile, error) {
	return s.EntryFileFor(r, e, r.PathValue("fileID"))
}

func (s *Server) PageFileVersionUpload(w http.ResponseWriter, r *http.Request) error {
	a, e, err := s.fileChange(r)
	if err != nil {
		return err
	}
	f, err := s.fileOf(r, e)
	if err != nil {
		return err
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(time.Hour))
	up, err := s.ReadFileUpload(r)
	if err == nil {
		var b pubdata.FileBlob
		if b, err = up.RequireFile(); err == nil {
			if _, err = s.Files.AddFileVersion(r.Context(), f.ID, b, up.Note); err == nil {
				done(w, r, e, "version", f.ID)
				return nil
			}
		}
	}
	return s.refused(w, r, a, e, f.ID, pubdata.FileFields{}, err)
}

func (s *Server) PageFileEdit(w http.ResponseWriter, r *http.Request) error {
	a, e, err := s.fileChange(r)
	if err != nil {
		return err
	}
	f, err := s.fileOf(r, e)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ff := pubdata.FileFields{Title: r.PostForm.Get("title"), Description: r.PostForm.Get("description"), Issued: r.PostForm.Get("issued")}
	if _, err := s.Files.UpdateFile(r.Context(), f.ID, ff); err != nil {
		return s.refused(w, r, a, e, f.ID, ff, err)
	}
	done(w, r, e, "updated", f.ID)
	return nil
}

func (s *Server) PageFileWithdraw(w http.ResponseWriter, r *http.Request) error {
	a, e, err := s.fileChange(r)
	if err != nil {
		return err
	}
	f, err := s.fileOf(r, e)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if _, err := s.Files.WithdrawFile(r.Context(), f.ID, strings.TrimSpace(r.PostForm.Get("reason"))); err != nil {
		return s.refused(w, r, a, e, f.ID, pubdata.FileFields{}, err)
	}
	done(w, r, e, "withdrawn", f.ID)
	return nil
}
