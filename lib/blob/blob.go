// Package blob keeps the platform's files in one Store (store.go): a folder or an
// S3-compatible bucket behind gocloud.dev/blob. Dir is the part that keeps the bytes of
// uploaded documents (file entries), one object per content, named by its SHA-256 (so the
// same bytes are kept once and a name can be checked against its content). A file is
// written in full and synced to disk under a temporary name, then renamed and the folder
// synced (or uploaded whole to the bucket): a blob is either whole or absent, whenever the
// process is killed, and the caller commits the row that names it only after Keep returns.
// The store of rows never holds bytes.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"

	"github.com/emmansun/gmsm/sm3"
)

// Dir is the blobs of a store (a folder, or a bucket's prefix).
type Dir struct {
	s    *Store
	path string // the local folder, or where temporary files are spooled for a bucket
}

// New returns the blobs in the folder path (created at the first Spool).
func New(path string) *Dir { return &Dir{s: Folder(path), path: path} }

// NewDir returns the blobs of the store s; uploads to a bucket are spooled in os.TempDir.
func NewDir(s *Store) *Dir {
	if s.Local() != "" {
		return &Dir{s: s, path: s.Local()}
	}
	return &Dir{s: s, path: os.TempDir()}
}

// Path is the folder (for a bucket: where uploads are spooled).
func (d *Dir) Path() string { return d.path }

// Blob describes stored bytes: Key names them (the SHA-256 in hex), SM3 is their SM3 hash
// in hex, Size their length.
type Blob struct {
	Key    string
	SHA256 string
	SM3    string
	Size   int64
}

// Spooled is an upload written in full and synced under a temporary name, not yet kept.
// Read it (ReadAt) to check it, then Keep or Discard it.
type Spooled struct {
	Blob
	Head []byte // the first bytes, up to headSize
	d    *Dir
	f    *os.File
}

const headSize = 8 << 10

// Spool copies r into a temporary file of the folder, hashing it, and syncs it to disk.
// An error from r (a body over its limit) is returned as it is, after removing the file.
func (d *Dir) Spool(r io.Reader) (*Spooled, error) {
	if err := os.MkdirAll(d.path, 0o700); err != nil {
		return nil, fmt.Errorf("blob folder: %w", err)
	}
	f, err := os.CreateTemp(d.path, ".spool-*")
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	s256, s3 := sha256.New(), sm3.New()
	h := &headWriter{}
	n, err := io.Copy(io.MultiWriter(f, s256, s3, h), r)
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &Spooled{Blob: Blob{Key: sum(s256), SHA256: sum(s256), SM3: sum(s3), Size: n}, Head: h.b, d: d, f: f}, nil
}

func sum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// headWriter keeps the first headSize bytes written.
type headWriter struct{ b []byte }

func (h *headWriter) Write(p []byte) (int, error) {
	if room := headSize - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// ReadAt reads the spooled bytes.
func (s *Spooled) ReadAt(p []byte, off int64) (int, error) { return s.f.ReadAt(p, off) }

// Keep moves the spooled file to its key's name (when the same bytes are already kept, the
// copy is dropped) and syncs the folder, so that the blob survives a crash once Keep
// returns.
func (s *Spooled) Keep() error {
	tmp := s.f.Name()
	if err := s.f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("keep blob: %w", err)
	}
	if s.d.s.Local() == "" {
		// A bucket: upload unless the same bytes are there.
		defer os.Remove(tmp)
		ctx := context.Background()
		if ok, err := s.d.s.Exists(ctx, s.Key); err == nil && ok {
			return nil
		}
		f, err := os.Open(tmp)
		if err != nil {
			return fmt.Errorf("keep blob: %w", err)
		}
		defer f.Close()
		if err := s.d.s.Put(ctx, s.Key, f); err != nil {
			return fmt.Errorf("keep blob: %w", err)
		}
		return nil
	}
	dst := filepath.Join(s.d.path, s.Key)
	if st, err := os.Stat(dst); err == nil && st.Size() == s.Size {
		os.Remove(tmp)
		return nil
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("keep blob: %w", err)
	}
	dir, err := os.Open(s.d.path)
	if err != nil {
		return fmt.Errorf("keep blob: %w", err)
	}
	defer dir.Close()
	if err := dir.Sync(); err != nil {
		return fmt.Errorf("keep blob: sync folder: %w", err)
	}
	return nil
}

// Discard removes the spooled file.
func (s *Spooled) Discard() {
	name := s.f.Name()
	s.f.Close()
	os.Remove(name)
}

// ErrKey is the error of a key that is not a SHA-256 in lower-case hex.
var ErrKey = errors.New("blob: malformed key")

// Open opens the blob of key for reading (from a bucket: a temporary local copy, removed
// when closed).
func (d *Dir) Open(key string) (*os.File, error) {
	if b, err := hex.DecodeString(key); err != nil || len(b) != sha256.Size || hex.EncodeToString(b) != key {
		return nil, ErrKey
	}
	if d.s.Local() == "" {
		return d.s.Open(context.Background(), key, "")
	}
	return os.Open(filepath.Join(d.path, key))
}
