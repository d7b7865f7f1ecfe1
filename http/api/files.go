package api

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// The files of file entries (issue 11 item 4). Anyone who sees the entry lists its files
// and their versions (metadata: title, description, dates, type, size, hashes); the bytes
// are downloaded at /downloads/{id}/files/{fileID}[?version=n] under the entry's access
// rule, through the one read path. The provider's admins and editors upload (a multipart
// form, or the body itself), describe, replace (a new version) and withdraw files.
//
//   GET   /api/v1/entries/{id}/files                       the current files (and, for the
//                                                          provider and authority, withdrawn ones)
//   POST  /api/v1/entries/{id}/files                       upload a new file
//   GET   /api/v1/entries/{id}/files/{fileID}              a file with its versions
//   PATCH /api/v1/entries/{id}/files/{fileID}              title, description, issued
//   POST  /api/v1/entries/{id}/files/{fileID}/versions     upload a new version
//   POST  /api/v1/entries/{id}/files/{fileID}/withdraw     withdraw it, with a reason

// fileVersionReply is a version with its download URL.
type fileVersionReply struct {
	pubdata.FileVersion
	DownloadURL string `json:"download_url"`
}

// fileReply is a file as the API shows it: the latest version's download URL, and the
// versions' when loaded.
type fileReply struct {
	*pubdata.EntryFile
	DownloadURL string             `json:"download_url"`
	Versions    []fileVersionReply `json:"versions,omitempty"`
}

func fileView(r *http.Request, f *pubdata.EntryFile) fileReply {
	base := web.BaseURL(r)
	out := fileReply{EntryFile: f, DownloadURL: base + web.FileURL(f.Entry, f.ID, 0)}
	for _, v := range f.Versions {
		out.Versions = append(out.Versions, fileVersionReply{FileVersion: v, DownloadURL: base + web.FileURL(f.Entry, f.ID, v.Version)})
	}
	return out
}

func (s *Server) ApiFileList(w http.ResponseWriter, r *http.Request) error {
	e, err := s.FileEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	files, err := s.EntryFiles(r, e)
	if err != nil {
		return err
	}
	items := make([]fileReply, len(files))
	for i, f := range files {
		items[i] = fileView(r, f)
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": len(items)})
	return nil
}

func (s *Server) ApiFileGet(w http.ResponseWriter, r *http.Request) error {
	e, err := s.FileEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	f, err := s.EntryFileFor(r, e, r.PathValue("fileID"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, fileView(r, f))
	return nil
}

func (s *Server) ApiFileCreate(w http.ResponseWriter, r *http.Request) error {
	e, err := s.FileManager(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	up, err := s.ReadFileUpload(r)
	if err != nil {
		return err
	}
	b, err := up.RequireFile()
	if err != nil {
		return err
	}
	f, err := s.Files.CreateFile(r.Context(), e.ID, up.Fields, b)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/entries/"+e.ID+"/files/"+f.ID)
	web.WriteJSON(w, http.StatusCreated, fileView(r, f))
	return nil
}

// fileForChange is the file of the path for a change by the provider.
func (s *Server) fileForChange(r *http.Request) (*pubdata.EntryFile, error) {
	e, err := s.FileManager(r, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return s.EntryFileFor(r, e, r.PathValue("fileID"))
}

func (s *Server) ApiFileVersionCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := s.fileForChange(r)
	if err != nil {
		return err
	}
	up, err := s.ReadFileUpload(r)
	if err != nil {
		return err
	}
	b, err := up.RequireFile()
	if err != nil {
		return err
	}
	if f, err = s.Files.AddFileVersion(r.Context(), f.ID, b, up.Note); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, fileView(r, f))
	return nil
}

// filePatch is the body of PATCH …/files/{fileID}: the fields given change.
type filePatch struct {
	Title       *string `json:"title"`
	Description *string `json:"description"`
	Issued      *string `json:"issued"`
}

func (s *Server) ApiFilePatch(w http.ResponseWriter, r *http.Request) error {
	f, err := s.fileForChange(r)
	if err != nil {
		return err
	}
	var p filePatch
	if err := web.DecodeJSON(r, &p); err != nil {
		return err
	}
	ff := pubdata.FileFields{Title: f.Title, Description: f.Description, Issued: f.Issued}
	for _, c := range []struct {
		from *string
		to   *string
	}{{p.Title, &ff.Title}, {p.Description, &ff.Description}, {p.Issued, &ff.Issued}} {
		if c.from != nil {
			*c.to = *c.from
		}
	}
	if f, err = s.Files.UpdateFile(r.Context(), f.ID, ff); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, fileView(r, f))
	return nil
}

func (s *Server) ApiFileWithdraw(w http.ResponseWriter, r *http.Request) error {
	f, err := s.fileForChange(r)
	if err != nil {
		return err
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 {
		if err := web.DecodeJSON(r, &body); err != nil {
			return err
		}
	}
	if f, err = s.Files.WithdrawFile(r.Context(), f.ID, body.Reason); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, fileView(r, f))
	return nil
}
