// Package backup writes and reads the platform's backups: a consistent dump of the
// database, every file of the data folder (keys and certificates encrypted with a backup
// passphrase, uploaded files as they are) and a manifest with the SHA-256 of every part,
// signed with the platform's SM2 audit key. A backup is kept at a destination — a folder or
// an S3-compatible bucket (dest.go) — under its own name, pubdata-<UTC time>; the manifest is
// written last, so a backup without one is incomplete and never restored.
package backup

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	"gocloud.dev/blob"
)

// Files of a backup besides its parts.
const (
	ManifestFile  = "manifest.json"
	SignatureFile = "manifest.sig"
	// Format names this layout of a backup.
	Format = "pubdata-backup/1"
)

// Manifest describes one backup: what it holds and the checksum of every part.
type Manifest struct {
	Format  string    `json:"format"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	// Database: its dialect (sqlite, postgres), the dump's format ("sqlite-file": a
	// database file made by VACUUM INTO; "pg_dump-custom": pg_dump -Fc), the highest
	// migration applied and every table's row count in the dumped snapshot.
	Dialect  string           `json:"dialect"`
	DBFormat string           `json:"db_format"`
	Schema   int              `json:"schema"`
	Tables   map[string]int64 `json:"tables"`
	// KDF derives the key of the Secret parts from the backup passphrase.
	KDF *KDF `json:"kdf"`
	// Probe is an extract signed at backup time with the platform's extract key, which a
	// restore verifies with the restored key (so extracts issued before still verify).
	Probe json.RawMessage `json:"probe,omitempty"`
	Parts []Part          `json:"parts"`
	// Notes say what was adjusted to the dumped database (Options.Trim), e.g. checkpoints
	// signed after the dump left out of the checkpoint log.
	Notes []string `json:"notes,omitempty"`
}

// Part is one stored object of a backup.
type Part struct {
	Name   string `json:"name"` // "database", "secret/<rel>", "data/<rel>", "blob/<key>"
	Kind   Kind   `json:"kind"`
	Size   int64  `json:"size"`   // bytes stored
	SHA256 string `json:"sha256"` // of the bytes stored (encrypted ones for a Secret)
	// SM3 is the SM3 digest of a Blob part's bytes (the digest the database keeps for a
	// file entry's file), checked with the SHA-256 whenever the part is read.
	SM3 string `json:"sm3,omitempty"`
}

// Size is the bytes stored by all the parts.
func (m *Manifest) Size() int64 {
	var n int64
	for _, p := range m.Parts {
		n += p.Size
	}
	return n
}

// Signature is manifest.sig: an SM2 signature (SM3, default user id) of manifest.json's
// bytes by the platform's audit key.
type Signature struct {
	Algorithm string `json:"algorithm"` // "SM2-SM3"
	PublicKey string `json:"public_key"`
	Signature string `json:"signature"`
}

// DBInfo is what the database dump tells of itself.
type DBInfo struct {
	Dialect string
	Format  string
	Schema  int
	Tables  map[string]int64
	// Blobs are the objects of the blob store the dumped rows name (read in the dump's
	// snapshot): a backup takes each of them from Options.Blobs.
	Blobs []BlobRef
}

// BlobRef is an object of the blob store that the database names: Key is its key in the
// store ("files/<sha256>", "batches/<batch id>"), From the table that names it; Size,
// SHA256 and SM3 are what the database says of its bytes (-1 and "" when it says nothing).
// An Optional object may be gone (a failed batch's upload after its retention).
type BlobRef struct {
	Key      string
	From     string
	Size     int64
	SHA256   string
	SM3      string
	Optional bool
}

// BlobReader reads objects of the blob store (lib/blob.Store).
type BlobReader interface {
	Reader(ctx context.Context, key string) (io.ReadCloser, error)
}

// Options of Write.
type Options struct {
	DataDir string
	// SkipFile tells files of the data folder that must not be copied (the SQLite file when
	// it is there under another name); may be nil.
	SkipFile func(rel string) bool
	// Dump writes a consistent dump of the database into the file path.
	Dump       func(ctx context.Context, path string) (*DBInfo, error)
	Passphrase string
	// Signer signs the manifest (nil: unsigned); Probe is a signed extract to keep.
	Signer *sm2.PrivateKey
	Probe  []byte
	// Trim adjusts files of the data folder, by their slash-separated path relative to it,
	// to the dumped database before they are stored (they are read after the dump): it
	// returns the bytes to store and a note for the manifest ("" for none). The checkpoint
	// log is trimmed to the dumped record, so that a checkpoint signed between the dump and
	// the copy does not make the restored log disagree with it (lib/audit.TrimLog).
	Trim map[string]func(b []byte, db *DBInfo) ([]byte, string)
	// Extra are files kept outside the data folder that a restore puts into it: the
	// checkpoint log of a configured folder (checkpoint_log), by its path, keyed by the
	// slash-separated name it takes in the restored data folder (which replaces a file of
	// that name in the folder). They go by the DataFolder rules and Trim like the others.
	Extra map[string]string
	// Blobs is the blob store when it is not the data folder (an S3 bucket, another
	// folder): every object the dumped rows name (DBInfo.Blobs) is read from it after the
	// dump and kept as a part "blob/<key>" with its SHA-256 and SM3. nil when the store is
	// the data folder, whose files/ and batches/ are parts of the folder already.
	Blobs BlobReader
	// TempDir holds the dump while it is copied (default: os.TempDir()).
	TempDir string
	Now     time.Time
}

// MaxSecretSize bounds a Secret file, which is encrypted in memory. A larger file that is
// not secret must be declared Plain in DataFolder.
const MaxSecretSize = 64 << 20

// Write writes a backup of the database and the data folder to the destination and
// returns its manifest. The database is dumped first; the data folder's files are copied
// after, so every uploaded file the dumped rows name is in the backup.
func Write(ctx context.Context, b *blob.Bucket, opt Options) (*Manifest, error) {
	kdf, c, err := newKDF(opt.Passphrase)
	if err != nil {
		return nil, err
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.SkipFile == nil {
		opt.SkipFile = func(string) bool { return false }
	}
	m := &Manifest{Format: Format, Name: NamePrefix + opt.Now.UTC().Format("20060102T150405.000Z"), Created: opt.Now.UTC().Truncate(time.Millisecond), KDF: kdf}
	if ok, err := b.Exists(ctx, m.Name+"/"+ManifestFile); err != nil {
		return nil, fmt.Errorf("backup destination: %w", err)
	} else if ok {
		return nil, fmt.Errorf("a backup named %s is already there", m.Name)
	}
	if opt.Probe != nil {
		m.Probe = json.RawMessage(opt.Probe)
	}

	// 1. The database.
	tmp, err := os.MkdirTemp(opt.TempDir, "pubdata-backup-*")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmp)
	dump := filepath.Join(tmp, "database")
	info, err := opt.Dump(ctx, dump)
	if err != nil {
		return nil, fmt.Errorf("backup: database: %w", err)
	}
	m.Dialect, m.DBFormat, m.Schema, m.Tables = info.Dialect, info.Format, info.Schema, info.Tables
	f, err := os.Open(dump)
	if err != nil {
		return nil, fmt.Errorf("backup: database: %w", err)
	}
	p, err := put(ctx, b, m.Name, "database", Database, f)
	f.Close()
	if err != nil {
		return nil, err
	}
	m.Parts = append(m.Parts, p)
	os.Remove(dump)

	// 2. The data folder.
	files, err := scanFolder(opt.DataDir, opt.SkipFile)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if files, err = withExtra(files, opt.Extra); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	for _, ff := range files {
		var p Part
		var err error
		if trim := opt.Trim[ff.Rel]; trim != nil && ff.Kind != Skipped {
			p, err = putTrimmed(ctx, b, m, c, opt.DataDir, ff, trim, info)
			if errors.Is(err, os.ErrNotExist) {
				continue
			} else if err != nil {
				return nil, fmt.Errorf("backup: %s: %w", ff.Rel, err)
			}
			m.Parts = append(m.Parts, p)
			continue
		}
		switch ff.Kind {
		case Secret:
			p, err = putSecret(ctx, b, m.Name, c, opt.DataDir, ff)
		case Plain:
			var f *os.File
			if f, err = os.Open(ff.path(opt.DataDir)); err == nil {
				p, err = put(ctx, b, m.Name, "data/"+ff.Rel, Plain, f)
				f.Close()
			}
		}
		if errors.Is(err, os.ErrNotExist) {
			continue // removed since the scan (an expired batch file)
		} else if err != nil {
			return nil, fmt.Errorf("backup: %s: %w", ff.Rel, err)
		}
		m.Parts = append(m.Parts, p)
	}

	// 3. The blob store's objects the database names, when the store is elsewhere.
	if opt.Blobs != nil {
		if err := putBlobs(ctx, b, m, opt.Blobs, info.Blobs); err != nil {
			return nil, err
		}
	}

	// 4. The manifest, signed; the signature first, the manifest last.
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if opt.Signer != nil {
		sig, err := sign(opt.Signer, raw)
		if err != nil {
			return nil, err
		}
		sb, _ := json.MarshalIndent(sig, "", "  ")
		if err := b.WriteAll(ctx, m.Name+"/"+SignatureFile, sb, nil); err != nil {
			return nil, fmt.Errorf("backup: write signature: %w", err)
		}
	}
	if err := b.WriteAll(ctx, m.Name+"/"+ManifestFile, raw, nil); err != nil {
		return nil, fmt.Errorf("backup: write manifest: %w", err)
	}
	return m, nil
}

// put copies r to the part name of the backup, hashing it.
func put(ctx context.Context, b *blob.Bucket, backup, name string, kind Kind, r io.Reader) (Part, error) {
	w, err := b.NewWriter(ctx, backup+"/"+name, &blob.WriterOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return Part{}, fmt.Errorf("backup: %s: %w", name, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), r)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Part{}, fmt.Errorf("backup: %s: %w", name, err)
	}
	return Part{Name: name, Kind: kind, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// withExtra adds the files outside the data folder, each replacing a file of the folder
// of the same name; an absent one is left out.
func withExtra(files []folderFile, extra map[string]string) ([]folderFile, error) {
	if len(extra) == 0 {
		return files, nil
	}
	out := files[:0:0]
	for _, f := range files {
		if _, replaced := extra[f.Rel]; !replaced {
			out = append(out, f)
		}
	}
	for rel, src := range extra {
		if hasDotDot(rel) || path.IsAbs(rel) {
			return nil, fmt.Errorf("extra file %q: not a name inside the data folder", rel)
		}
		st, err := os.Stat(src)
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return nil, err
		}
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("%s is not a regular file", src)
		}
		if kind := Classify(rel); kind != Skipped {
			out = append(out, folderFile{Rel: rel, Kind: kind, Size: st.Size(), Src: src})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Rel < out[j].Rel })
	return out, nil
}

// putTrimmed reads the file whole, trims it to the dumped database and stores it as its
// kind, noting in the manifest what the trim says.
func putTrimmed(ctx context.Context, b *blob.Bucket, m *Manifest, c *crypter, dir string, ff folderFile, trim func([]byte, *DBInfo) ([]byte, string), info *DBInfo) (Part, error) {
	if ff.Size > MaxSecretSize {
		return Part{}, fmt.Errorf("%d bytes: too large to adjust to the dump (at most %d)", ff.Size, MaxSecretSize)
	}
	raw, err := os.ReadFile(ff.path(dir))
	if err != nil {
		return Part{}, err
	}
	kept, note := trim(raw, info)
	if note != "" {
		m.Notes = append(m.Notes, ff.Rel+": "+note)
	}
	if ff.Kind == Secret {
		return putSecretBytes(ctx, b, m.Name, c, ff.Rel, kept)
	}
	return put(ctx, b, m.Name, "data/"+ff.Rel, ff.Kind, bytes.NewReader(kept))
}

func putSecret(ctx context.Context, b *blob.Bucket, backup string, c *crypter, dir string, ff folderFile) (Part, error) {
	if ff.Size > MaxSecretSize {
		return Part{}, fmt.Errorf("%d bytes: too large for a secret file (at most %d); if it is not secret, declare it Plain in lib/backup's DataFolder", ff.Size, MaxSecretSize)
	}
	plain, err := os.ReadFile(ff.path(dir))
	if err != nil {
		return Part{}, err
	}
	return putSecretBytes(ctx, b, backup, c, ff.Rel, plain)
}

func putSecretBytes(ctx context.Context, b *blob.Bucket, backup string, c *crypter, rel string, plain []byte) (Part, error) {
	name := "secret/" + rel
	sealed, err := c.seal(plain, name)
	if err != nil {
		return Part{}, err
	}
	h := sha256.Sum256(sealed)
	if err := b.WriteAll(ctx, backup+"/"+name, sealed, &blob.WriterOptions{ContentType: "application/octet-stream"}); err != nil {
		return Part{}, fmt.Errorf("backup: %s: %w", name, err)
	}
	return Part{Name: name, Kind: Secret, Size: int64(len(sealed)), SHA256: hex.EncodeToString(h[:])}, nil
}

func sign(priv *sm2.PrivateKey, msg []byte) (*Signature, error) {
	der, err := smx509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	sig, err := priv.Sign(rand.Reader, msg, sm2.NewSM2SignerOption(true, nil))
	if err != nil {
		return nil, fmt.Errorf("backup: sign manifest: %w", err)
	}
	return &Signature{Algorithm: "SM2-SM3", PublicKey: base64.StdEncoding.EncodeToString(der), Signature: base64.StdEncoding.EncodeToString(sig)}, nil
}

// verify checks the signature of msg against the public key pub.
func (s *Signature) verify(pub *ecdsa.PublicKey, msg []byte) error {
	der, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return err
	}
	if s.Algorithm != "SM2-SM3" || s.PublicKey != base64.StdEncoding.EncodeToString(der) {
		return errors.New("the manifest was not signed with the backed-up platform key")
	}
	sig, err := base64.StdEncoding.DecodeString(s.Signature)
	if err != nil || !sm2.VerifyASN1WithSM2(pub, nil, msg, sig) {
		return errors.New("the manifest's signature does not verify: the manifest was altered")
	}
	return nil
}

// partPath checks a part's name: relative, clean, under one of the known prefixes.
func partPath(name string) (string, error) {
	clean := path.Clean(name)
	if clean != name || path.IsAbs(name) || name == ".." || len(name) > 1024 {
		return "", fmt.Errorf("part %q: bad name", name)
	}
	for _, pre := range []string{"secret/", "data/", "blob/"} {
		if len(name) > len(pre) && name[:len(pre)] == pre {
			rel := name[len(pre):]
			if rel == ".." || path.IsAbs(rel) || hasDotDot(rel) {
				return "", fmt.Errorf("part %q: bad name", name)
			}
			return rel, nil
		}
	}
	if name == "database" {
		return "", nil
	}
	return "", fmt.Errorf("part %q: bad name", name)
}

func hasDotDot(rel string) bool {
	for _, seg := range strings.Split(rel, "/") {
		if seg == ".." || seg == "." || seg == "" {
			return true
		}
	}
	return false
}

// sortedTables returns the table names of counts, sorted.
func sortedTables(counts map[string]int64) []string {
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
