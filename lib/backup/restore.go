package backup

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// Backup is a backup opened for reading.
type Backup struct {
	b        *blob.Bucket
	Manifest *Manifest
	raw      []byte
	sig      *Signature
	// BlobsPut and BlobsPresent count, after Restore, the blob parts put into the blob store
	// and those the store already held (the same key).
	BlobsPut, BlobsPresent int
	put                    []string // the keys Restore put (RemovePutBlobs)
}

// RemovePutBlobs removes from w the objects Restore put there (not those it found), for a
// restore that fails after Restore returned (the database does not load): a refused restore
// leaves the blob store as it found it. It tries every key and returns the first error.
func (bk *Backup) RemovePutBlobs(ctx context.Context, w BlobWriter) error {
	var first error
	for _, key := range bk.put {
		if err := w.Delete(ctx, key); err != nil && first == nil {
			first = fmt.Errorf("restore: remove blob %s: %w", key, err)
		}
	}
	bk.put, bk.BlobsPut = nil, 0
	return first
}

// Signed reports whether the manifest carries a signature.
func (bk *Backup) Signed() bool { return bk.sig != nil }

// maxManifest bounds manifest.json (a backup of a million uploaded files is ~200 MB of
// manifest; more is refused).
const maxManifest = 256 << 20

// Open opens the backup name at the destination; "" opens the newest complete one.
func Open(ctx context.Context, b *blob.Bucket, name string) (*Backup, error) {
	if name == "" {
		complete, _, err := List(ctx, b)
		if err != nil {
			return nil, err
		}
		if len(complete) == 0 {
			return nil, errors.New("no complete backup there (a backup has a manifest.json)")
		}
		name = complete[len(complete)-1]
	}
	name = strings.Trim(name, "/")
	r, err := b.NewReader(ctx, name+"/"+ManifestFile, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, fmt.Errorf("backup %s has no %s: it is incomplete or not a backup", name, ManifestFile)
	} else if err != nil {
		return nil, fmt.Errorf("backup %s: %w", name, err)
	}
	raw, err := io.ReadAll(io.LimitReader(r, maxManifest+1))
	r.Close()
	if err != nil {
		return nil, fmt.Errorf("backup %s: %w", name, err)
	}
	if len(raw) > maxManifest {
		return nil, fmt.Errorf("backup %s: manifest too large", name)
	}
	m := &Manifest{}
	if err := json.Unmarshal(raw, m); err != nil {
		return nil, fmt.Errorf("backup %s: manifest: %w", name, err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("backup %s: format %q, this version reads %q", name, m.Format, Format)
	}
	if m.Name != name {
		return nil, fmt.Errorf("backup %s: the manifest names another backup (%s)", name, m.Name)
	}
	seen := map[string]bool{}
	for _, p := range m.Parts {
		if _, err := partPath(p.Name); err != nil {
			return nil, fmt.Errorf("backup %s: %w", name, err)
		}
		if seen[p.Name] {
			return nil, fmt.Errorf("backup %s: part %s listed twice", name, p.Name)
		}
		seen[p.Name] = true
	}
	if !seen["database"] {
		return nil, fmt.Errorf("backup %s: the manifest lists no database", name)
	}
	bk := &Backup{b: b, Manifest: m, raw: raw}
	sb, err := b.ReadAll(ctx, name+"/"+SignatureFile)
	switch {
	case gcerrors.Code(err) == gcerrors.NotFound:
	case err != nil:
		return nil, fmt.Errorf("backup %s: %w", name, err)
	default:
		bk.sig = &Signature{}
		if err := json.Unmarshal(sb, bk.sig); err != nil {
			return nil, fmt.Errorf("backup %s: signature: %w", name, err)
		}
	}
	return bk, nil
}

// Problem is a difference between a backup and its manifest.
type Problem struct {
	Part   string
	Reason string
}

func (p Problem) String() string { return p.Part + ": " + p.Reason }

// Check reads every part and compares its size and SHA-256 with the manifest, and checks
// that nothing is stored that the manifest does not list. It returns the differences.
func (bk *Backup) Check(ctx context.Context) ([]Problem, error) {
	var problems []Problem
	for _, p := range bk.Manifest.Parts {
		if err := bk.copyPart(ctx, p, io.Discard); err != nil {
			var pe *partError
			if errors.As(err, &pe) {
				problems = append(problems, Problem{Part: p.Name, Reason: pe.reason})
				continue
			}
			return problems, err
		}
	}
	listed := map[string]bool{ManifestFile: true, SignatureFile: true}
	for _, p := range bk.Manifest.Parts {
		listed[p.Name] = true
	}
	it := bk.b.List(&blob.ListOptions{Prefix: bk.Manifest.Name + "/"})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return problems, err
		}
		if rel := strings.TrimPrefix(obj.Key, bk.Manifest.Name+"/"); !obj.IsDir && !listed[rel] {
			problems = append(problems, Problem{Part: rel, Reason: "stored but not in the manifest"})
		}
	}
	return problems, nil
}

type partError struct{ reason string }

func (e *partError) Error() string { return e.reason }

// copyPart copies a part to w, checking its size and checksum; a *partError when they
// differ from the manifest. w has received the bytes even then: check before using them.
func (bk *Backup) copyPart(ctx context.Context, p Part, w io.Writer) error {
	r, err := bk.b.NewReader(ctx, bk.Manifest.Name+"/"+p.Name, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return &partError{"missing"}
	} else if err != nil {
		return fmt.Errorf("%s: %w", p.Name, err)
	}
	defer r.Close()
	h, h3 := sha256.New(), sm3.New()
	sinks := []io.Writer{w, h}
	if p.Kind == Blob {
		sinks = append(sinks, h3)
	}
	n, err := io.Copy(io.MultiWriter(sinks...), io.LimitReader(r, p.Size+1))
	if err != nil {
		return fmt.Errorf("%s: %w", p.Name, err)
	}
	if n != p.Size {
		return &partError{fmt.Sprintf("size %d, the manifest says %d", n, p.Size)}
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != p.SHA256 {
		return &partError{fmt.Sprintf("SHA-256 %s, the manifest says %s: the part was altered", got[:16]+"…", p.SHA256[:min(16, len(p.SHA256))]+"…")}
	}
	if p.Kind == Blob {
		if got := hex.EncodeToString(h3.Sum(nil)); got != p.SM3 {
			return &partError{fmt.Sprintf("SM3 %s, the manifest says %s: the part was altered", got[:16]+"…", p.SM3[:min(16, len(p.SM3))]+"…")}
		}
	}
	return nil
}

// RestoreOptions are the settings of Restore.
type RestoreOptions struct {
	// DataDir is the data folder to fill; it must be absent or empty.
	DataDir    string
	Passphrase string
	// KeyFile is the name, in the data folder, of the SM2 key that signed the manifest
	// (lib/audit.KeyFile): the manifest must be signed and verify against it. "" accepts
	// an unsigned manifest (tests).
	KeyFile string
	// Blobs is the blob store the Blob parts go into, once every part has been checked;
	// an object already there under the same key is left as it is. nil: the data folder
	// (the embedded shape, where the store is the data folder).
	Blobs BlobWriter
}

// Restore writes the backup's files into the empty data folder, each checked against its
// checksum (and the secret ones decrypted), the manifest's signature checked against the
// restored platform key, and returns the path of the checked database dump (in the data
// folder's staging folder .restore, which the caller removes with RemoveStaging when it has
// loaded it). Nothing is moved into place until every part has been checked; on an error the
// folder is emptied again.
func (bk *Backup) Restore(ctx context.Context, opt RestoreOptions) (dump string, err error) {
	if err := EmptyFolder(opt.DataDir); err != nil {
		return "", err
	}
	c, err := bk.Manifest.KDF.open(opt.Passphrase)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(opt.DataDir, 0o700); err != nil {
		return "", err
	}
	if err := os.Chmod(opt.DataDir, 0o700); err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			Clear(opt.DataDir)
			if opt.Blobs != nil {
				bk.RemovePutBlobs(context.WithoutCancel(ctx), opt.Blobs)
			}
		}
	}()
	bk.put, bk.BlobsPut, bk.BlobsPresent = nil, 0, 0
	stage := filepath.Join(opt.DataDir, ".restore")
	if err := os.Mkdir(stage, 0o700); err != nil {
		return "", err
	}
	type placed struct{ staged, final string }
	var moves, blobs []placed // blobs: staged, key
	for i, p := range bk.Manifest.Parts {
		rel, _ := partPath(p.Name)
		staged := filepath.Join(stage, fmt.Sprintf("%06d", i))
		switch p.Kind {
		case Database:
			dump = staged
			err = bk.stageFile(ctx, p, staged)
		case Plain, Blob:
			err = bk.stageFile(ctx, p, staged)
		case Secret:
			var buf bytes.Buffer
			if err = bk.copyPart(ctx, p, &buf); err == nil {
				var plain []byte
				if plain, err = c.open(buf.Bytes(), p.Name); err != nil {
					err = &partError{"does not decrypt: altered"}
				} else {
					err = os.WriteFile(staged, plain, 0o600)
				}
			}
		default:
			err = &partError{fmt.Sprintf("unknown kind %q", p.Kind)}
		}
		if err != nil {
			return "", fmt.Errorf("restore: part %s: %w", p.Name, err)
		}
		switch {
		case p.Kind == Blob && opt.Blobs != nil:
			blobs = append(blobs, placed{staged, rel})
		case p.Kind != Database:
			moves = append(moves, placed{staged, filepath.Join(opt.DataDir, filepath.FromSlash(rel))})
		}
	}
	if dump == "" {
		return "", errors.New("restore: the backup holds no database")
	}
	if bk.sig == nil && opt.KeyFile != "" {
		// Backups are always signed: a missing signature is a manifest someone rewrote.
		return "", fmt.Errorf("restore: the backup has no %s: its manifest cannot be trusted", SignatureFile)
	}
	if bk.sig != nil {
		var keyStaged string
		for _, mv := range moves {
			if mv.final == filepath.Join(opt.DataDir, opt.KeyFile) {
				keyStaged = mv.staged
			}
		}
		if keyStaged == "" {
			return "", fmt.Errorf("restore: the manifest is signed but the backup holds no %s", opt.KeyFile)
		}
		pub, err := publicKey(keyStaged)
		if err != nil {
			return "", fmt.Errorf("restore: %s: %w", opt.KeyFile, err)
		}
		if err := bk.sig.verify(pub, bk.raw); err != nil {
			return "", fmt.Errorf("restore: %w", err)
		}
	}
	for _, mv := range moves {
		if err := os.MkdirAll(filepath.Dir(mv.final), 0o700); err != nil {
			return "", err
		}
		if err := os.Rename(mv.staged, mv.final); err != nil {
			return "", err
		}
	}
	for _, bl := range blobs {
		if ok, err := opt.Blobs.Exists(ctx, bl.final); err != nil {
			return "", fmt.Errorf("restore: blob %s: %w", bl.final, err)
		} else if ok {
			bk.BlobsPresent++
			continue
		}
		if err := opt.Blobs.PutFile(ctx, bl.final, bl.staged); err != nil {
			return "", fmt.Errorf("restore: blob %s: %w", bl.final, err)
		}
		bk.BlobsPut++
		bk.put = append(bk.put, bl.final)
	}
	return dump, nil
}

// RemoveStaging removes the staging folder Restore left (with the database dump).
func RemoveStaging(dataDir string) error { return os.RemoveAll(filepath.Join(dataDir, ".restore")) }

func (bk *Backup) stageFile(ctx context.Context, p Part, path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	err = bk.copyPart(ctx, p, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Clear removes everything in dir (a restore's target, empty before it began), leaving the
// folder itself (it may be a mount point).
func Clear(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

// publicKey reads the SM2 public key of a PEM PKCS #8 private key file.
func publicKey(file string) (*ecdsa.PublicKey, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("not a PEM private key")
	}
	k, err := smx509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	priv, ok := k.(*sm2.PrivateKey)
	if !ok {
		return nil, errors.New("not an SM2 key")
	}
	return &priv.PublicKey, nil
}
