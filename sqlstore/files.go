package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/pubdata/pubdata"
)

var _ pubdata.FileService = (*FileService)(nil)

// FileService implements pubdata.FileService on entry_files and entry_file_versions. The
// bytes are not here: the caller keeps the blob (synced) before naming it.
type FileService struct{ db *DB }

// NewFileService returns the file service.
func NewFileService(db *DB) *FileService { return &FileService{db: db} }

const fileColumns = "f.id, f.entry_id, f.org, f.title, f.description, f.issued, f.status, f.version, f.created_at, f.modified_at, f.withdrawn_at, f.withdraw_reason"

const versionColumns = "v.version, v.file_name, v.format, v.media_type, v.size, v.sha256, v.sm3, v.note, v.actor, v.blob, v.created_at"

// fileFrom joins each file with its latest version.
const fileFrom = " FROM entry_files f JOIN entry_file_versions v ON v.file_id = f.id AND v.version = f.version"

// scanner is what scans a row (*sql.Row, *sql.Rows).
type scanner = interface{ Scan(...any) error }

func scanVersion(v *pubdata.FileVersion) []any {
	return []any{&v.Version, &v.FileName, &v.Format, &v.MediaType, &v.Size, &v.SHA256, &v.SM3, &v.Note, &v.Actor, &v.Blob, timeCol{&v.CreatedAt}}
}

func scanFile(row scanner) (*pubdata.EntryFile, error) {
	var f pubdata.EntryFile
	var status string
	var withdrawn nullTime
	dest := []any{&f.ID, &f.Entry, &f.Org, &f.Title, &f.Description, &f.Issued, &status, &f.Version,
		timeCol{&f.CreatedAt}, timeCol{&f.ModifiedAt}, &withdrawn, &f.Reason}
	if err := row.Scan(append(dest, scanVersion(&f.Latest)...)...); err != nil {
		return nil, err
	}
	f.Status, f.WithdrawnAt = pubdata.FileStatus(status), withdrawn.t
	return &f, nil
}

func notFoundFile(id string) error {
	return pubdata.Errorf(pubdata.ENOTFOUND, "File %q was not found.", id).Keyed("error.file.not_found", "ID", id)
}

// fileEntry checks in tx that the entry is published with format file and that the actor may
// manage its files (a user: CanManageFiles; the system, without a user, is the platform
// acting on the provider's behalf: the command line, the demo); it returns the provider.
func (tx *Tx) fileEntry(ctx context.Context, entryID string) (string, error) {
	var org, format string
	err := tx.queryRow(ctx, "SELECT org, format FROM catalog WHERE entry_id = ?"+tx.db.forUpdate(), entryID).Scan(&org, &format)
	if errors.Is(err, sql.ErrNoRows) {
		return "", pubdata.Errorf(pubdata.ENOTFOUND, "No published catalogue entry %q.", entryID).Keyed("error.entry.not_published", "ID", entryID)
	} else if err != nil {
		return "", err
	}
	if format != pubdata.FormatFile {
		return "", pubdata.Errorf(pubdata.EINVALID, "Entry %q is not a file entry (its format is %s); only file entries hold files.", entryID, format).
			Keyed("error.file.not_file_entry", "Entry", entryID, "Format", format)
	}
	if a := pubdata.ActorFromContext(ctx); !a.Anonymous() && !pubdata.CanManageFiles(a, org) {
		return "", pubdata.Errorf(pubdata.EFORBIDDEN, "Only the administrators and editors of the entry's provider may change its files.").Keyed("error.file.forbidden")
	}
	return org, nil
}

// lockedFile reads a file for a change inside tx, checks the entry and the actor, and
// refuses a withdrawn file.
func (tx *Tx) lockedFile(ctx context.Context, id string) (*pubdata.EntryFile, error) {
	f, err := scanFile(tx.queryRow(ctx, "SELECT "+fileColumns+", "+versionColumns+fileFrom+" WHERE f.id = ?"+tx.db.forUpdateOf("f"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundFile(id)
	} else if err != nil {
		return nil, err
	}
	if _, err := tx.fileEntry(ctx, f.Entry); err != nil {
		return nil, err
	}
	if f.Status == pubdata.FileWithdrawn {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "File %q was withdrawn; upload it again as a new file.", id).Keyed("error.file.withdrawn", "ID", id)
	}
	return f, nil
}

// checkBlob checks what an upload stored before a row names it.
func checkBlob(b *pubdata.FileBlob) error {
	b.FileName = pubdata.CleanFileName(b.FileName)
	if b.Key == "" || b.SHA256 == "" || b.SM3 == "" || b.Format == "" || b.MediaType == "" || b.Size < 0 {
		return fmt.Errorf("file blob: incomplete %+v", *b)
	}
	if b.Size == 0 {
		return pubdata.Errorf(pubdata.EINVALID, "The file is empty.").Keyed("error.file.empty")
	}
	return nil
}

func (tx *Tx) insertVersion(ctx context.Context, fileID string, n int, b pubdata.FileBlob, note string) error {
	_, err := tx.exec(ctx, `INSERT INTO entry_file_versions (file_id, version, file_name, format, media_type, size, sha256, sm3, blob, note, actor, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		fileID, n, b.FileName, b.Format, b.MediaType, b.Size, b.SHA256, b.SM3, b.Key, note, pubdata.ActorFromContext(ctx).Username(), fmtTime(tx.now))
	return err
}

// blobDetails are an upload's facts for the record.
func blobDetails(d map[string]any, n int, b pubdata.FileBlob) map[string]any {
	d["version"], d["file_name"], d["format"], d["size"], d["sha256"], d["sm3"] = n, b.FileName, b.Format, b.Size, b.SHA256, b.SM3
	return d
}

// CreateFile implements pubdata.FileService.
func (s *FileService) CreateFile(ctx context.Context, entryID string, ff pubdata.FileFields, b pubdata.FileBlob) (*pubdata.EntryFile, error) {
	if err := checkBlob(&b); err != nil {
		return nil, err
	}
	if err := pubdata.ValidateFileFields(&ff, b.FileName); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	org, err := tx.fileEntry(ctx, entryID)
	if err != nil {
		return nil, err
	}
	var n int
	if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM entry_files WHERE entry_id = ?", entryID).Scan(&n); err != nil {
		return nil, err
	}
	if n >= pubdata.MaxEntryFiles {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "Entry %q already holds %d files, the most an entry may hold.", entryID, pubdata.MaxEntryFiles).
			Keyed("error.file.too_many", "Max", pubdata.MaxEntryFiles)
	}
	if ff.Issued == "" {
		ff.Issued = tx.now.In(pubdata.ChinaTime).Format(pubdata.DateFormat)
	}
	id, now := newID(), fmtTime(tx.now)
	if _, err := tx.exec(ctx, `INSERT INTO entry_files (id, entry_id, org, title, description, issued, status, version, created_at, modified_at, withdrawn_at, withdraw_reason)
		VALUES (?, ?, ?, ?, ?, ?, 'current', 1, ?, ?, NULL, '')`, id, entryID, org, ff.Title, ff.Description, ff.Issued, now, now); err != nil {
		return nil, err
	}
	if err := tx.insertVersion(ctx, id, 1, b, ""); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "file.create", Object: "file:" + id, Details: blobDetails(map[string]any{
		"entry": entryID, "title": ff.Title, "description": ff.Description, "issued": ff.Issued,
	}, 1, b)}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindFile(ctx, id)
}

// AddFileVersion implements pubdata.FileService.
func (s *FileService) AddFileVersion(ctx context.Context, fileID string, b pubdata.FileBlob, note string) (*pubdata.EntryFile, error) {
	if err := checkBlob(&b); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > pubdata.MaxFileNote {
		return nil, pubdata.FieldErrorf("note", "The note is longer than %d characters.", pubdata.MaxFileNote).Keyed("error.file.note_long", "Max", pubdata.MaxFileNote)
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	f, err := tx.lockedFile(ctx, fileID)
	if err != nil {
		return nil, err
	}
	if f.Version >= pubdata.MaxFileVersions {
		return nil, pubdata.Errorf(pubdata.ECONFLICT, "File %q already has %d versions, the most a file may have; upload a new file.", fileID, pubdata.MaxFileVersions).
			Keyed("error.file.too_many_versions", "Max", pubdata.MaxFileVersions)
	}
	n := f.Version + 1
	if err := tx.insertVersion(ctx, fileID, n, b, note); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, "UPDATE entry_files SET version = ?, modified_at = ? WHERE id = ?", n, fmtTime(tx.now), fileID); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "file.version", Object: "file:" + fileID, Details: blobDetails(map[string]any{
		"entry": f.Entry, "note": note, "previous_sha256": f.Latest.SHA256,
	}, n, b)}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindFile(ctx, fileID)
}

// UpdateFile implements pubdata.FileService.
func (s *FileService) UpdateFile(ctx context.Context, fileID string, ff pubdata.FileFields) (*pubdata.EntryFile, error) {
	if err := pubdata.ValidateFileFields(&ff, ""); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	f, err := tx.lockedFile(ctx, fileID)
	if err != nil {
		return nil, err
	}
	if ff.Issued == "" {
		ff.Issued = f.Issued
	}
	details := map[string]any{"entry": f.Entry}
	for _, c := range [][3]string{{"title", f.Title, ff.Title}, {"description", f.Description, ff.Description}, {"issued", f.Issued, ff.Issued}} {
		if c[1] != c[2] {
			details[c[0]] = map[string]string{"from": c[1], "to": c[2]}
		}
	}
	if len(details) == 1 {
		tx.Rollback()
		return s.FindFile(ctx, fileID) // nothing changed: nothing to record
	}
	if _, err := tx.exec(ctx, "UPDATE entry_files SET title = ?, description = ?, issued = ?, modified_at = ? WHERE id = ?",
		ff.Title, ff.Description, ff.Issued, fmtTime(tx.now), fileID); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "file.update", Object: "file:" + fileID, Details: details}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindFile(ctx, fileID)
}

// WithdrawFile implements pubdata.FileService.
func (s *FileService) WithdrawFile(ctx context.Context, fileID, reason string) (*pubdata.EntryFile, error) {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > pubdata.MaxFileNote {
		return nil, pubdata.FieldErrorf("reason", "The reason is longer than %d characters.", pubdata.MaxFileNote).Keyed("error.file.reason_long", "Max", pubdata.MaxFileNote)
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	f, err := tx.lockedFile(ctx, fileID)
	if err != nil {
		return nil, err
	}
	now := fmtTime(tx.now)
	if _, err := tx.exec(ctx, "UPDATE entry_files SET status = 'withdrawn', withdrawn_at = ?, withdraw_reason = ?, modified_at = ? WHERE id = ?",
		now, reason, now, fileID); err != nil {
		return nil, err
	}
	if err := tx.record(ctx, change{Action: "file.withdraw", Object: "file:" + fileID, Details: map[string]any{
		"entry": f.Entry, "title": f.Title, "reason": reason, "versions": f.Version,
	}}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return s.FindFile(ctx, fileID)
}

// FindFile implements pubdata.FileService.
func (s *FileService) FindFile(ctx context.Context, fileID string) (*pubdata.EntryFile, error) {
	f, err := scanFile(s.db.queryRow(ctx, "SELECT "+fileColumns+", "+versionColumns+fileFrom+" WHERE f.id = ?", fileID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundFile(fileID)
	} else if err != nil {
		return nil, err
	}
	rows, err := s.db.query(ctx, "SELECT "+versionColumns+" FROM entry_file_versions v WHERE v.file_id = ? ORDER BY v.version DESC", fileID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var v pubdata.FileVersion
		if err := rows.Scan(scanVersion(&v)...); err != nil {
			return nil, err
		}
		f.Versions = append(f.Versions, v)
	}
	return f, rows.Err()
}

// FindFiles implements pubdata.FileService.
func (s *FileService) FindFiles(ctx context.Context, entryID string, withdrawn bool) ([]*pubdata.EntryFile, error) {
	q := "SELECT " + fileColumns + ", " + versionColumns + fileFrom + " WHERE f.entry_id = ?"
	if !withdrawn {
		q += " AND f.status = 'current'"
	}
	return s.files(ctx, q+" ORDER BY f.created_at DESC, f.id DESC", entryID)
}

// CurrentFiles implements pubdata.FileService.
func (s *FileService) CurrentFiles(ctx context.Context, entryIDs []string) (map[string][]*pubdata.EntryFile, error) {
	out := map[string][]*pubdata.EntryFile{}
	for len(entryIDs) > 0 {
		n := min(len(entryIDs), 500)
		args := make([]any, n)
		for i, id := range entryIDs[:n] {
			args[i] = id
		}
		entryIDs = entryIDs[n:]
		files, err := s.files(ctx, "SELECT "+fileColumns+", "+versionColumns+fileFrom+" WHERE f.status = 'current' AND f.entry_id IN ("+placeholders(n)+") ORDER BY f.created_at DESC, f.id DESC", args...)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			out[f.Entry] = append(out[f.Entry], f)
		}
	}
	return out, nil
}

func (s *FileService) files(ctx context.Context, q string, args ...any) ([]*pubdata.EntryFile, error) {
	rows, err := s.db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*pubdata.EntryFile{}
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
