package portal

import (
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/http/web"
)

// The files of a file entry on its page, and their downloads: GET
// /downloads/{id}/files/{fileID}[?version=n] sends a version's bytes to a reader the entry's
// access rule allows — through the one read path, recorded and counted — and answers a
// refused one with the page that says why (as the table downloads do).

// entryFilesView is the files part of a file entry's page.
type entryFilesView struct {
	Files []fileRow
	// CanDownload: the links lead to the bytes; else Refusal says why and ApplyURL (for a
	// conditional-open entry) leads to the application form.
	CanDownload bool
	Refusal     string
	ApplyURL    string
}

// fileRow is one file on the page.
type fileRow struct {
	*pubdata.EntryFile
	Size     string // measured, for people
	URL      string
	Withdraw bool // withdrawn (shown to the provider and authority only)
}

// entryFilesFor builds the files part of the page of the published file entry e; nil for
// another format or a server without files.
func (s *Server) entryFilesFor(r *http.Request, a *pubdata.Actor, e *pubdata.Entry) (*entryFilesView, error) {
	if s.Files == nil || e.Format != pubdata.FormatFile {
		return nil, nil
	}
	files, err := s.EntryFiles(r, e)
	if err != nil {
		return nil, err
	}
	rd, err := s.OpenReadFor(r.Context(), e, web.ReadPurpose(r, e.ID))
	if err != nil {
		return nil, err
	}
	d := rd.Decision()
	v := &entryFilesView{CanDownload: d.Allow}
	if !d.Allow {
		v.Refusal = web.DecisionText(web.LangFrom(r.Context()), d)
		if e.OpenClass == pubdata.ClassConditional && !pubdata.SeesWholeCatalog(a) {
			v.ApplyURL = applyURL(e.ID)
		}
	}
	for _, f := range files {
		v.Files = append(v.Files, fileRow{EntryFile: f, Size: web.ByteSize(f.Latest.Size), URL: web.FileURL(e.ID, f.ID, 0),
			Withdraw: f.Status == pubdata.FileWithdrawn})
	}
	return v, nil
}

func (s *Server) PageFileDownload(w http.ResponseWriter, r *http.Request) error {
	n, err := web.FileVersionParam(r)
	if err != nil {
		return err
	}
	e, err := s.FileEntry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	f, err := s.EntryFileFor(r, e, r.PathValue("fileID"))
	if err != nil {
		return err
	}
	rd, err := s.OpenReadFor(r.Context(), e, web.ReadPurpose(r, e.ID))
	if err != nil {
		return err
	}
	if !rd.Allowed() {
		a := pubdata.ActorFromContext(r.Context())
		if err := rd.Refused(r.Context(), access.KindFile, false); !web.ErrorIs(err, pubdata.EFORBIDDEN) {
			return err
		}
		return s.renderRefused(w, r, a, e, rd.Decision())
	}
	return s.ServeFile(w, r, rd, f, n)
}
