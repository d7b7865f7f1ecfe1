package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"

	"github.com/emmansun/gmsm/sm3"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// The blob store's objects in a backup (issue 14): when the store is not the data folder
// (the cluster's S3 bucket, or a folder of its own), the files of file entries, the
// anonymiser's tables and products, and the uploads of unfinished batches would otherwise
// be left out. Write takes every object the dumped rows name (DBInfo.Blobs) as a part
// "blob/<key>" with its size, SHA-256 and SM3; Restore puts them into the restoring
// platform's store (RestoreOptions.Blobs).

// BlobPrefix starts the name of a blob part.
const BlobPrefix = "blob/"

// validBlobKey checks a key the database gave: relative and clean, as a part name must be.
func validBlobKey(key string) bool {
	return key != "" && len(key) <= 512 && !path.IsAbs(key) && !hasDotDot(key) && path.Clean(key) == key
}

// putBlobs copies the objects refs name from the store into the backup. An object that is
// gone is noted in the manifest (an optional one, a batch's upload past its retention, is
// not); bytes that differ from the database's digests are kept and noted, for the restore's
// check to report.
func putBlobs(ctx context.Context, b *blob.Bucket, m *Manifest, store BlobReader, refs []BlobRef) error {
	refs = append([]BlobRef(nil), refs...)
	sort.SliceStable(refs, func(i, j int) bool { return refs[i].Key < refs[j].Key })
	seen := map[string]bool{}
	for _, ref := range refs {
		if seen[ref.Key] {
			continue
		}
		seen[ref.Key] = true
		if !validBlobKey(ref.Key) {
			m.Notes = append(m.Notes, fmt.Sprintf("blob %q named by %s: not a valid key, left out", ref.Key, ref.From))
			continue
		}
		r, err := store.Reader(ctx, ref.Key)
		if errors.Is(err, os.ErrNotExist) || gcerrors.Code(err) == gcerrors.NotFound {
			if !ref.Optional {
				m.Notes = append(m.Notes, fmt.Sprintf("blob %s named by %s is missing from the blob store: not in this backup", ref.Key, ref.From))
			}
			continue
		} else if err != nil {
			return fmt.Errorf("backup: blob %s: %w", ref.Key, err)
		}
		h3 := sm3.New()
		p, err := put(ctx, b, m.Name, BlobPrefix+ref.Key, Blob, io.TeeReader(r, h3))
		r.Close()
		if err != nil {
			return err
		}
		p.SM3 = hex.EncodeToString(h3.Sum(nil))
		if d := ref.differs(p.Size, p.SHA256, p.SM3); d != "" {
			m.Notes = append(m.Notes, fmt.Sprintf("blob %s named by %s: %s (kept as stored)", ref.Key, ref.From, d))
		}
		m.Parts = append(m.Parts, p)
	}
	return nil
}

// differs says how bytes of the given size and digests differ from what the database says
// of them ("" when they agree).
func (r BlobRef) differs(size int64, sha, sm string) string {
	switch {
	case r.Size >= 0 && r.Size != size:
		return fmt.Sprintf("%d bytes, the database says %d", size, r.Size)
	case r.SM3 != "" && r.SM3 != sm:
		return fmt.Sprintf("SM3 %s…, the database says %s…", sm[:16], r.SM3[:min(16, len(r.SM3))])
	case r.SHA256 != "" && r.SHA256 != sha:
		return fmt.Sprintf("SHA-256 %s…, the database says %s…", sha[:16], r.SHA256[:min(16, len(r.SHA256))])
	}
	return ""
}

// CheckBlob reads r whole and says how it differs from what the database says of the
// object ("" when it agrees): the check a restore and backup verify make of every object
// the restored rows name, in the restored store.
func (r BlobRef) CheckBlob(rd io.Reader) (string, error) {
	h2, h3 := sha256.New(), sm3.New()
	n, err := io.Copy(io.MultiWriter(h2, h3), rd)
	if err != nil {
		return "", err
	}
	return r.differs(n, hex.EncodeToString(h2.Sum(nil)), hex.EncodeToString(h3.Sum(nil))), nil
}

// BlobWriter keeps objects in the blob store of a restore (lib/blob.Store).
type BlobWriter interface {
	Exists(ctx context.Context, key string) (bool, error)
	// PutFile keeps the local file path as key (moving it when it can).
	PutFile(ctx context.Context, key, path string) error
	// Delete removes key (a missing key is no error).
	Delete(ctx context.Context, key string) error
}
