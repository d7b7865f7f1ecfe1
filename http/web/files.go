package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/lib/blob"
	"github.com/pubdata/pubdata/lib/filetype"
)

// Files of file entries (issue 11 item 4): what the API, the console and the portal share —
// finding an entry's files as the caller may see them, storing an upload (its type sniffed
// from its bytes, its size bounded, written and synced before its row), and serving a
// version's bytes through the one read path (access.Read.OpenFile) with the sniffed type.

// FileSpooler spools an upload's bytes and keeps them (package blob's Dir).
type FileSpooler interface {
	Spool(r io.Reader) (*blob.Spooled, error)
}

// errNoFiles answers the file routes of a server without files.
var errNoFiles = pubdata.Errorf(pubdata.ENOTFOUND, "This server holds no files.").Keyed("error.file.not_available")

// NotFoundFile is the answer for a file the caller may not see or that does not exist.
func NotFoundFile(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "File %q was not found.", id).Keyed("error.file.not_found", "ID", id)
}

// FileEntry returns the published file entry of id when the caller may see it (the read
// path's visibility); ENOTFOUND otherwise, and for an entry of another format.
func (s *Server) FileEntry(r *http.Request, id string) (*pubdata.Entry, error) {
	if s.Files == nil {
		return nil, errNoFiles
	}
	e, err := s.Entries.FindPublishedEntry(r.Context(), id)
	if ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, NotFoundEntry(id)
	} else if err != nil {
		return nil, err
	}
	if ok, err := s.Reader().Visible(r.Context(), e); err != nil {
		return nil, err
	} else if !ok || e.ID != id && e.Code != id {
		return nil, NotFoundEntry(id)
	}
	if e.Format != pubdata.FormatFile {
		return nil, pubdata.Errorf(pubdata.ENOTFOUND, "Entry %q is not a file entry (its format is %s); only file entries hold files.", e.ID, e.Format).
			Keyed("error.file.not_file_entry", "Entry", e.ID, "Format", e.Format)
	}
	return e, nil
}

// SeesWithdrawnFiles reports whether the caller sees the entry's withdrawn files (and the
// uploaders): its provider's users and the covering authority.
func SeesWithdrawnFiles(a *pubdata.Actor, e *pubdata.Entry) bool { return pubdata.CanReadAllData(a, e) }

// EntryFiles lists the files of e the caller sees: current ones, and withdrawn ones for
// the provider and authority.
func (s *Server) EntryFiles(r *http.Request, e *pubdata.Entry) ([]*pubdata.EntryFile, error) {
	return s.Files.FindFiles(r.Context(), e.ID, SeesWithdrawnFiles(pubdata.ActorFromContext(r.Context()), e))
}

// EntryFileFor returns the file fileID of e with its versions, when the caller sees it.
func (s *Server) EntryFileFor(r *http.Request, e *pubdata.Entry, fileID string) (*pubdata.EntryFile, error) {
	f, err := s.Files.FindFile(r.Context(), fileID)
	if ErrorIs(err, pubdata.ENOTFOUND) {
		return nil, NotFoundFile(fileID)
	} else if err != nil {
		return nil, err
	}
	if f.Entry != e.ID || (f.Status != pubdata.FileCurrent && !SeesWithdrawnFiles(pubdata.ActorFromContext(r.Context()), e)) {
		return nil, NotFoundFile(fileID)
	}
	return f, nil
}

// FileManager returns the published file entry id for a change of its files by the
// signed-in caller (CanManageFiles); ENOTFOUND when the caller may not see it.
func (s *Server) FileManager(r *http.Request, id string) (*pubdata.Entry, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	e, err := s.FileEntry(r, id)
	if err != nil {
		return nil, err
	}
	if !pubdata.CanManageFiles(a, e.Org) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only the administrators and editors of %s may change the files of this entry.", e.OrgName).
			Keyed("error.file.forbidden_named", "Org", e.OrgName)
	}
	return e, nil
}

// StoreUpload spools body (at most MaxFileBytes), tells its type from its bytes, refuses a
// type the platform does not accept (naming what was found), and keeps the bytes synced to
// disk. The returned blob may then be named by a row; a blob no row names is harmless.
func (s *Server) StoreUpload(body io.Reader, fileName string) (pubdata.FileBlob, error) {
	if s.FileStore == nil {
		return pubdata.FileBlob{}, errNoFiles
	}
	max := s.MaxFileBytes
	sp, err := s.FileStore.Spool(io.LimitReader(body, max+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return pubdata.FileBlob{}, fileTooLarge(max)
		}
		return pubdata.FileBlob{}, pubdata.Errorf(pubdata.EINVALID, "The upload could not be read to its end (%v); nothing was loaded.", err).
			Keyed("error.upload.incomplete", "Error", err)
	}
	if sp.Size > max {
		sp.Discard()
		return pubdata.FileBlob{}, fileTooLarge(max)
	}
	if sp.Size == 0 {
		sp.Discard()
		return pubdata.FileBlob{}, pubdata.FieldErrorf("file", "The file is empty.").Keyed("error.file.empty")
	}
	name := pubdata.CleanFileName(fileName)
	t := filetype.Sniff(sp.Head, sp, sp.Size, name)
	if !filetype.IsAccepted(t.Format) {
		sp.Discard()
		if t.Format == "" {
			return pubdata.FileBlob{}, pubdata.FieldErrorf("file", "The file's type could not be recognised from its content; accepted types: %s.", filetype.AcceptedFormats()).
				Keyed("error.file.type_unknown", "Accepted", filetype.AcceptedFormats())
		}
		return pubdata.FileBlob{}, pubdata.FieldErrorf("file", "The file is %s by its content, which is not accepted; accepted types: %s.", t.Format, filetype.AcceptedFormats()).
			Keyed("error.file.type", "Found", t.Format, "Accepted", filetype.AcceptedFormats())
	}
	if err := sp.Keep(); err != nil {
		return pubdata.FileBlob{}, Internalf("keep upload: %w", err)
	}
	return pubdata.FileBlob{Key: sp.Key, SHA256: sp.SHA256, SM3: sp.SM3, Size: sp.Size, Format: t.Format, MediaType: t.MediaType,
		FileName: fileNameFor(name, t)}, nil
}

func fileTooLarge(max int64) error {
	err := pubdata.Errorf(pubdata.ETOOLARGE, "The file is larger than %s, the most one file may be.", ByteSize(max)).
		Keyed("error.file.too_large", "Max", ByteSize(max))
	err.Field = "file"
	return err
}

// fileNameFor gives a download name the extension of the type found (a PDF uploaded as
// report.exe is served as report.exe.pdf); a file without a name is named "file".
func fileNameFor(name string, t filetype.Type) string {
	if name == "" {
		name = "file"
	}
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		ext = strings.ToLower(name[i:])
	}
	switch {
	case ext == t.Ext,
		t == filetype.JPEG && ext == ".jpeg",
		(t.Format == "TXT" || t.Format == "CSV") && (ext == ".txt" || ext == ".csv" || ext == ".tsv" || ext == ".md" || ext == ".log"):
		return name
	}
	return pubdata.CleanFileName(name + t.Ext)
}

// ByteSize writes a size for people: bytes, KB, MB or GB (1024s), one decimal.
func ByteSize(n int64) string {
	switch {
	case n < 1<<10:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1<<20:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
}

// FileURL is where version v (0: the latest) of a file is downloaded.
func FileURL(entryID, fileID string, v int) string {
	u := "/downloads/" + url.PathEscape(entryID) + "/files/" + url.PathEscape(fileID)
	if v > 0 {
		u += "?version=" + strconv.Itoa(v)
	}
	return u
}

// FileVersionParam reads ?version= (0 when absent).
func FileVersionParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("version")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > pubdata.MaxFileVersions {
		return 0, ParamError("version", pubdata.NewMessage("error.param.file_version", "Value", v), "must be a version number, not %q.", v)
	}
	return n, nil
}

// ServeFile sends version n (0: the latest) of f through the read rd (refused, recorded and
// counted there): the sniffed type, as an attachment named with RFC 5987, never sniffed by
// the browser, with its SHA-256 as the ETag; ranges and conditional requests answered.
func (s *Server) ServeFile(w http.ResponseWriter, r *http.Request, rd *access.Read, f *pubdata.EntryFile, n int) error {
	v := f.VersionOf(n)
	if v == nil {
		return pubdata.Errorf(pubdata.ENOTFOUND, "File %q has no version %d.", f.ID, n).Keyed("error.file.no_version", "ID", f.ID, "Version", n)
	}
	file, err := rd.OpenFile(r.Context(), f, v)
	if err != nil {
		return err
	}
	defer file.Close()
	h := w.Header()
	h.Set("Content-Type", v.MediaType)
	h.Set("Content-Disposition", ContentDisposition(v.FileName))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, no-cache")
	h.Set("ETag", `"`+v.SHA256+`"`)
	h.Set("X-Checksum-SHA256", v.SHA256)
	h.Set("X-Checksum-SM3", v.SM3)
	http.ServeContent(w, r, "", v.CreatedAt.Truncate(time.Second), file)
	return nil
}

// ContentDisposition is an attachment named name: an ASCII fallback and the UTF-8 name as
// RFC 5987's filename*.
func ContentDisposition(name string) string {
	var ascii strings.Builder
	for _, c := range name {
		switch {
		case c < 0x20 || c == 0x7f || c == '"' || c == '\\' || c == '%' || c == ';':
			ascii.WriteByte('_')
		case c < utf8.RuneSelf:
			ascii.WriteRune(c)
		default:
			ascii.WriteByte('_')
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + rfc5987(name)
}

// rfc5987 percent-encodes every byte outside RFC 5987's attr-char.
func rfc5987(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// FileUpload is an upload request's file and fields.
type FileUpload struct {
	Blob   *pubdata.FileBlob // nil: the request held no file
	Fields pubdata.FileFields
	Note   string // what a new version changes
}

// maxUploadField bounds each text field of an upload form.
const maxUploadField = 16 << 10

// ReadFileUpload reads an upload: a multipart form (the "file" part is stored as it
// streams in; "title", "description", "issued" and "note" before or after it), or else the
// body itself as the file, named by ?file_name= or the Content-Disposition header, with the
// fields from the query. Only the first file part is read.
func (s *Server) ReadFileUpload(r *http.Request) (*FileUpload, error) {
	up := &FileUpload{}
	set := func(name, v string) {
		switch name {
		case "title":
			up.Fields.Title = v
		case "description":
			up.Fields.Description = v
		case "issued":
			up.Fields.Issued = v
		case "note":
			up.Note = v
		}
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, pubdata.Errorf(pubdata.EINVALID, "The upload form could not be read: %v.", err).Keyed("error.upload.form_unreadable", "Error", err)
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			} else if err != nil {
				return nil, NormalizeError(pubdata.Errorf(pubdata.EINVALID, "The upload form could not be read: %v.", err).
					Keyed("error.upload.form_unreadable", "Error", err))
			}
			if part.FormName() == "file" {
				if up.Blob != nil {
					continue
				}
				br := &peekBody{r: part}
				if part.FileName() == "" && !br.more() {
					continue // a file input left empty
				}
				b, err := s.StoreUpload(br, part.FileName())
				if err != nil {
					return nil, err
				}
				up.Blob = &b
				continue
			}
			v, err := io.ReadAll(io.LimitReader(part, maxUploadField))
			if err != nil {
				return nil, NormalizeError(pubdata.Errorf(pubdata.EINVALID, "The upload form could not be read: %v.", err).
					Keyed("error.upload.form_unreadable", "Error", err))
			}
			if !utf8.Valid(v) || strings.ContainsRune(string(v), 0) {
				return nil, pubdata.FieldErrorf(part.FormName(), "The field holds bytes that are not UTF-8 text.").Keyed("error.file.field_bytes")
			}
			set(part.FormName(), string(v))
		}
		return up, nil
	}
	q := r.URL.Query()
	for _, name := range []string{"title", "description", "issued", "note"} {
		set(name, q.Get(name))
	}
	name := q.Get("file_name")
	if name == "" {
		if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
			name = params["filename"]
		}
	}
	br := &peekBody{r: r.Body}
	if !br.more() {
		return up, nil
	}
	b, err := s.StoreUpload(br, name)
	if err != nil {
		return nil, err
	}
	up.Blob = &b
	return up, nil
}

// errNoFile answers an upload without a file.
var errNoFile = pubdata.FieldErrorf("file", "Choose a file to upload.").Keyed("error.file.missing")

// RequireFile returns up's file, or the field error of a missing one.
func (up *FileUpload) RequireFile() (pubdata.FileBlob, error) {
	if up.Blob == nil {
		return pubdata.FileBlob{}, errNoFile
	}
	return *up.Blob, nil
}

// peekBody reads r after checking whether it holds any byte.
type peekBody struct {
	r    io.Reader
	head []byte
}

func (p *peekBody) more() bool {
	b := make([]byte, 1)
	n, _ := io.ReadFull(p.r, b)
	p.head = b[:n]
	return n > 0
}

func (p *peekBody) Read(b []byte) (int, error) {
	if len(p.head) > 0 {
		n := copy(b, p.head)
		p.head = p.head[n:]
		return n, nil
	}
	return p.r.Read(b)
}
