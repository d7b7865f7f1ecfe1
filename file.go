package pubdata

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Files of file entries (issue 11): a published entry of format file holds files —
// documents (PDF, DOCX, XLSX, ZIP, images, text) its provider uploads, each with a title,
// a description, an issued date and versions. A new upload of the same file is a new
// version; earlier versions stay downloadable to those who may read the entry, as a table's
// history does, and a withdrawn file leaves the readers' lists but keeps its versions.
// Readers download under the entry's access rule (DecideAccess, through package access).
// The bytes live beside the database (package blob), named by their SHA-256; the rows name
// them with their size, SHA-256 and SM3.

// DefaultMaxFileBytes is the size limit of one uploaded file when the setting is 0.
const DefaultMaxFileBytes = 100 << 20

// MaxEntryFiles is how many files (current and withdrawn) an entry may hold, and
// MaxFileVersions how many versions a file may have: every list is bounded.
const (
	MaxEntryFiles   = 200
	MaxFileVersions = 100
)

// Lengths of a file's fields, in characters.
const (
	MaxFileTitle       = 200
	MaxFileDescription = 2000
	MaxFileName        = 255
	MaxFileNote        = 500
)

// FileStatus is whether a file is offered to readers.
type FileStatus string

// File statuses.
const (
	FileCurrent   FileStatus = "current"   // listed and downloadable
	FileWithdrawn FileStatus = "withdrawn" // kept, shown only to its provider and authority
)

// FileBlob is what an upload stored: the bytes' key, hashes and size, and the type they were
// found to be (sniffed, never taken from the name).
type FileBlob struct {
	Key       string // the blob's name (its SHA-256 in hex)
	SHA256    string
	SM3       string
	Size      int64
	Format    string // PDF, DOCX, XLSX, ZIP, PNG, JPEG, GIF, WEBP, CSV, TXT
	MediaType string // the type served
	FileName  string // the name it was uploaded with (for the download's name only)
}

// FileVersion is one upload of a file.
type FileVersion struct {
	Version   int       `json:"version"`
	FileName  string    `json:"file_name"`
	Format    string    `json:"format"`
	MediaType string    `json:"media_type"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256"`
	SM3       string    `json:"sm3"`
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Actor     string    `json:"-"` // the uploader (shown in the console, not published)
	Blob      string    `json:"-"`
}

// EntryFile is a file of a file entry: its description and its latest version (Latest);
// Versions, newest first, when asked for.
type EntryFile struct {
	ID          string        `json:"id"`
	Entry       string        `json:"entry"`
	Org         string        `json:"org"`
	Title       string        `json:"title"`
	Description string        `json:"description"`
	Issued      string        `json:"issued"` // YYYY-MM-DD: the document's date
	Status      FileStatus    `json:"status"`
	Version     int           `json:"version"` // the latest version's number
	Latest      FileVersion   `json:"latest"`
	Versions    []FileVersion `json:"versions,omitempty"`
	CreatedAt   time.Time     `json:"created_at"`
	ModifiedAt  time.Time     `json:"modified_at"` // the latest upload or change
	WithdrawnAt *time.Time    `json:"withdrawn_at,omitempty"`
	Reason      string        `json:"withdraw_reason,omitempty"`
}

// VersionOf returns the file's version n (0: the latest), or nil when it has none such
// (Versions must be loaded for an earlier one).
func (f *EntryFile) VersionOf(n int) *FileVersion {
	if n == 0 || n == f.Latest.Version {
		return &f.Latest
	}
	for i := range f.Versions {
		if f.Versions[i].Version == n {
			return &f.Versions[i]
		}
	}
	return nil
}

// FileFields are what the provider writes about a file.
type FileFields struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Issued      string `json:"issued"`
}

// ValidateFileFields trims the fields, titles an untitled file after its file name (without
// the extension) and checks the lengths and the issued date (any form ParseItemValue reads
// as a date; "" is the day of the upload, which the store fills).
func ValidateFileFields(f *FileFields, fileName string) error {
	f.Title = strings.TrimSpace(f.Title)
	f.Description = strings.TrimSpace(f.Description)
	f.Issued = strings.TrimSpace(f.Issued)
	if f.Title == "" && fileName != "" {
		f.Title = strings.TrimSpace(strings.TrimSuffix(fileName, fileExt(fileName)))
	}
	var problems []*Error
	switch n := utf8.RuneCountInString(f.Title); {
	case n == 0:
		problems = append(problems, FieldErrorf("title", "A file needs a title.").Keyed("error.file.title_required"))
	case n > MaxFileTitle:
		problems = append(problems, FieldErrorf("title", "The title is longer than %d characters.", MaxFileTitle).Keyed("error.file.title_long", "Max", MaxFileTitle))
	}
	if utf8.RuneCountInString(f.Description) > MaxFileDescription {
		problems = append(problems, FieldErrorf("description", "The description is longer than %d characters.", MaxFileDescription).Keyed("error.file.description_long", "Max", MaxFileDescription))
	}
	if f.Issued != "" {
		v, err := ParseItemValue("date", f.Issued)
		if err != nil {
			problems = append(problems, FieldErrorf("issued", "The issued date %q is not a date (YYYY-MM-DD).", f.Issued).Keyed("error.file.issued", "Value", f.Issued))
		} else {
			f.Issued = v.(string)
		}
	}
	return invalid(problems)
}

// CleanFileName keeps the last element of an uploaded file's name, without control
// characters and at most MaxFileName characters (the extension kept).
func CleanFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > MaxFileName {
		ext := fileExt(name)
		if utf8.RuneCountInString(ext) > 16 {
			ext = ""
		}
		r := []rune(strings.TrimSuffix(name, ext))
		name = string(r[:MaxFileName-utf8.RuneCountInString(ext)]) + ext
	}
	if name == "." || name == ".." {
		return ""
	}
	return name
}

// fileExt is the name's extension with its dot ("" when none).
func fileExt(name string) string {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		return name[i:]
	}
	return ""
}

// CanManageFiles reports whether the actor may upload, describe, replace and withdraw the
// files of an entry of provider org: its admins and editors, as for loading a table.
func CanManageFiles(a *Actor, org string) bool { return CanLoadData(a, org) }

// FileService keeps the files of file entries. Every change checks that the entry is
// published with format file and that a signed-in actor may manage its files
// (CanManageFiles; the system without a user acts for the platform, as the command line
// does — the transports require a user first), and records its event in its transaction
// ("file.create", "file.version", "file.update", "file.withdraw"; object "file:<id>"). The
// blob must be kept (synced to disk) before a call names it.
type FileService interface {
	// CreateFile adds a file to the published file entry with its first version.
	CreateFile(ctx context.Context, entryID string, f FileFields, b FileBlob) (*EntryFile, error)
	// AddFileVersion uploads a new version of a current file; note says what changed.
	AddFileVersion(ctx context.Context, fileID string, b FileBlob, note string) (*EntryFile, error)
	// UpdateFile changes a current file's title, description and issued date.
	UpdateFile(ctx context.Context, fileID string, f FileFields) (*EntryFile, error)
	// WithdrawFile withdraws a current file from the readers, with the reason.
	WithdrawFile(ctx context.Context, fileID, reason string) (*EntryFile, error)
	// FindFile returns a file with its versions, newest first; ENOTFOUND when none.
	FindFile(ctx context.Context, fileID string) (*EntryFile, error)
	// FindFiles returns an entry's files, newest first (withdrawn ones only when asked),
	// without their versions.
	FindFiles(ctx context.Context, entryID string, withdrawn bool) ([]*EntryFile, error)
	// CurrentFiles returns the current files of several entries by entry (for the
	// catalogue's exports), without their versions.
	CurrentFiles(ctx context.Context, entryIDs []string) (map[string][]*EntryFile, error)
}
