package backup

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Kind is how a file of the data folder goes into a backup.
type Kind string

// Kinds of files.
const (
	// Secret files (keys, certificates) are encrypted with the backup passphrase.
	Secret Kind = "secret"
	// Plain files (uploaded documents, kept uploads, public logs) are copied as they are,
	// with their checksum.
	Plain Kind = "file"
	// Skipped files are never copied: the database files (the database is dumped
	// consistently instead) and scratch.
	Skipped Kind = "skip"
	// Database is the database dump (not a file of the data folder).
	Database Kind = "database"
	// Blob is an object of the blob store the database names (Options.Blobs), restored
	// into the blob store of the restoring platform.
	Blob Kind = "blob"
)

// Rule says how the files of the data folder matching Pattern go into a backup. A pattern
// is a slash-separated path relative to the data folder; one ending in "/" is a folder and
// everything under it; "*" matches within one name (path.Match).
type Rule struct {
	Pattern string
	Kind    Kind
}

// DataFolder is THE list of what a backup takes from the data folder. A feature that adds
// a file or folder to the data folder adds one line here; the first matching rule wins.
// Every file that no rule names is taken too, as a Secret (encrypted), so that a new key
// or certificate is never left out nor written in clear: declare a new public or large file
// (a log, a folder of uploads) as Plain.
var DataFolder = []Rule{
	// The SQLite database: dumped consistently (VACUUM INTO), never copied while it runs.
	{"pubdata.db", Skipped},
	{"pubdata.db-wal", Skipped},
	{"pubdata.db-shm", Skipped},
	{"pubdata.db-journal", Skipped},
	{"bench/", Skipped},    // scratch of `pubdata bench`
	{".restore/", Skipped}, // a restore's staging folder
	// Uploaded files: the file entries' documents (lib/blob, <data>/files/<sha256>) and the
	// data files kept for a batch's retry (<data>/batches).
	{"files/", Plain},
	{"batches/", Plain},
	// Keys and certificates (lib/audit.KeyFile, lib/sealed.KeyFile, lib/extract.KeyFile)
	// and anything key-like, wherever it is in the folder.
	{"audit-sm2.pem", Secret},
	{"secrets-sm4.key", Secret},
	{"extract-sm2.pem", Secret},
	{"*.pem", Secret},
	{"*.key", Secret},
	{"*.crt", Secret},
	{"*.cer", Secret},
	{"*.p12", Secret},
	{"*.pfx", Secret},
	{"keys/", Secret},
	{"certs/", Secret},
}

// Classify returns how the file rel (slash-separated, relative to the data folder) goes
// into a backup.
func Classify(rel string) Kind {
	base := path.Base(rel)
	// Temporary files of uploads and spools (".spool-*", ".upload-*") are never whole.
	if strings.HasPrefix(base, ".spool-") || strings.HasPrefix(base, ".upload-") {
		return Skipped
	}
	for _, r := range DataFolder {
		if strings.HasSuffix(r.Pattern, "/") {
			if strings.HasPrefix(rel, r.Pattern) {
				return r.Kind
			}
			continue
		}
		if ok, _ := path.Match(r.Pattern, rel); ok {
			return r.Kind
		}
		if !strings.Contains(r.Pattern, "/") {
			if ok, _ := path.Match(r.Pattern, base); ok && strings.ContainsAny(r.Pattern, "*?[") {
				return r.Kind
			}
		}
	}
	return Secret
}

// folderFile is a file of the data folder to back up.
type folderFile struct {
	Rel  string // slash-separated, relative to the data folder
	Kind Kind
	Size int64
	// Src is the file's path when it lives outside the data folder (Options.Extra); ""
	// for a file of the folder.
	Src string
}

// path is where the file is read from.
func (f folderFile) path(dir string) string {
	if f.Src != "" {
		return f.Src
	}
	return filepath.Join(dir, filepath.FromSlash(f.Rel))
}

// scanFolder lists the files of the data folder to back up, sorted. Symbolic links and
// other non-regular files are refused: a backup must not follow them out of the folder.
func scanFolder(dir string, skip func(rel string) bool) ([]folderFile, error) {
	var out []folderFile
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if d.IsDir() {
			if Classify(rel+"/") == Skipped || skip(rel+"/") {
				return filepath.SkipDir
			}
			return nil
		}
		kind := Classify(rel)
		if kind == Skipped || skip(rel) {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("data folder: %s is not a regular file (a link?); a backup copies regular files only", rel)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, folderFile{Rel: rel, Kind: kind, Size: info.Size()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Rel < out[j].Rel })
	return out, nil
}

// EmptyFolder returns an error unless dir is absent or holds nothing.
func EmptyFolder(dir string) error {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	} else if err != nil {
		return err
	}
	if len(entries) > 0 {
		names := []string{}
		for i, e := range entries {
			if i == 3 {
				names = append(names, "…")
				break
			}
			names = append(names, e.Name())
		}
		return fmt.Errorf("the data folder %s is not empty (%d entries: %s): restore only into an empty or new folder", dir, len(entries), strings.Join(names, ", "))
	}
	return nil
}
