package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	gblob "gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"
)

// Store is where the platform keeps every file it does not hold in the database: the
// uploads of batches (batches/), the files of file entries (files/), the checkpoint log
// (checkpoints/, when no folder of its own is configured) and, by default, scheduled
// backups. It is one gocloud.dev/blob bucket: a local folder (fileblob, the embedded shape:
// the data folder) or an S3-compatible bucket (s3blob, the cluster shape, where every node
// sees the same objects). The same calls work on both; a folder also opens its files in
// place (no copy) and syncs what it writes.
type Store struct {
	b     *gblob.Bucket
	dir   string // the folder of a folder store (with the prefix), "" for S3
	where string // the location without credentials or query, for messages
	// reopen opens another bucket of the same place, for Sub: gocloud's PrefixedBucket
	// closes the bucket it is given, so a Sub never wraps the store's own.
	reopen func() (*gblob.Bucket, error)
}

// IsS3 reports whether loc names an S3 bucket (s3://bucket/prefix?…).
func IsS3(loc string) bool { return strings.HasPrefix(loc, "s3://") }

// Redact returns loc without credentials or query, for logs and pages.
func Redact(loc string) string {
	if !IsS3(loc) {
		return loc
	}
	u, err := url.Parse(loc)
	if err != nil {
		return "s3://…"
	}
	u.User, u.RawQuery = nil, ""
	return u.String()
}

// OpenBucket opens loc as a gocloud.dev bucket: a folder path (created, mode 0700, if
// absent; no sidecar attribute files) or s3://bucket/prefix with the query parameters of
// gocloud.dev's s3blob (endpoint, region, use_path_style, disable_https …). Credentials come
// from the AWS environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or the shared AWS
// files, never from the URL. dir is the absolute folder of a folder bucket, "" for S3.
func OpenBucket(ctx context.Context, loc string) (b *gblob.Bucket, dir string, err error) {
	open, dir, err := bucketOpener(ctx, loc)
	if err != nil {
		return nil, "", err
	}
	b, err = open()
	if err != nil {
		return nil, "", err
	}
	return b, dir, nil
}

// bucketOpener checks loc and returns a function that opens a bucket of it (each call a
// bucket of its own), and the absolute folder of a folder ("" for S3), created if absent.
func bucketOpener(ctx context.Context, loc string) (open func() (*gblob.Bucket, error), dir string, err error) {
	if strings.TrimSpace(loc) == "" {
		return nil, "", errors.New("no place given: a folder or s3://bucket/prefix")
	}
	if IsS3(loc) {
		u, err := url.Parse(loc)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", Redact(loc), err)
		}
		if u.User != nil {
			return nil, "", fmt.Errorf("%s: put no credentials in the URL; use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", Redact(loc))
		}
		if u.Host == "" {
			return nil, "", fmt.Errorf("%s: no bucket named after s3://", Redact(loc))
		}
		prefix := strings.Trim(u.Path, "/")
		u.Path = ""
		return func() (*gblob.Bucket, error) {
			b, err := (&s3blob.URLOpener{}).OpenBucketURL(ctx, u)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", Redact(loc), err)
			}
			if prefix != "" {
				b = gblob.PrefixedBucket(b, prefix+"/")
			}
			return b, nil
		}, "", nil
	}
	if strings.Contains(loc, "://") {
		return nil, "", fmt.Errorf("%q: give a folder or s3://bucket/prefix", loc)
	}
	dir, err = filepath.Abs(loc)
	if err != nil {
		return nil, "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", fmt.Errorf("folder %s: %w", dir, err)
	}
	return func() (*gblob.Bucket, error) {
		b, err := fileblob.OpenBucket(dir, &fileblob.Options{Metadata: fileblob.MetadataDontWrite})
		if err != nil {
			return nil, fmt.Errorf("folder %s: %w", dir, err)
		}
		return b, nil
	}, dir, nil
}

// Open opens the store at loc (see OpenBucket).
func Open(ctx context.Context, loc string) (*Store, error) {
	open, dir, err := bucketOpener(ctx, loc)
	if err != nil {
		return nil, err
	}
	b, err := open()
	if err != nil {
		return nil, err
	}
	return &Store{b: b, dir: dir, where: Redact(loc), reopen: open}, nil
}

// Folder returns the store of a local folder.
func Folder(dir string) *Store {
	s, err := Open(context.Background(), dir)
	if err != nil {
		// A folder that cannot be created: every call then fails with the reason.
		return &Store{dir: dir, where: dir, b: nil}
	}
	return s
}

// String says where the store is.
func (s *Store) String() string { return s.where }

// Local is the folder of a folder store ("" for S3).
func (s *Store) Local() string { return s.dir }

// Bucket is the store's gocloud.dev bucket (for packages that take one: backups).
func (s *Store) Bucket() *gblob.Bucket { return s.b }

// Sub returns the part of the store under prefix ("files", "batches" …), on a bucket of
// its own: the store stays usable.
func (s *Store) Sub(prefix string) *Store {
	prefix = strings.Trim(prefix, "/")
	c := &Store{where: s.where + "/" + prefix}
	if s.reopen != nil {
		parent := s.reopen
		c.reopen = func() (*gblob.Bucket, error) {
			b, err := parent()
			if err != nil {
				return nil, err
			}
			return gblob.PrefixedBucket(b, prefix+"/"), nil
		}
		c.b, _ = c.reopen() // nil on an error: every call then says the store is not open
	}
	if s.dir != "" {
		c.dir = filepath.Join(s.dir, filepath.FromSlash(prefix))
		c.where = c.dir
	}
	return c
}

func (s *Store) ready() error {
	if s.b == nil {
		return fmt.Errorf("blob store %s could not be opened", s.where)
	}
	return nil
}

// IsNotExist reports whether err says an object does not exist.
func IsNotExist(err error) bool {
	return errors.Is(err, os.ErrNotExist) || gcerrors.Code(err) == gcerrors.NotFound
}

// Put writes r as the object key, whole or not at all: a folder store writes a temporary
// file, renames it and syncs file and folder; S3 commits the object when the upload ends.
// An error from r is returned as it is, and nothing is left under key.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	if err := s.ready(); err != nil {
		return err
	}
	if s.dir != "" {
		return s.putLocal(key, r)
	}
	// Cancelling the writer's context before Close aborts the upload: nothing is written.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.b.NewWriter(wctx, key, &gblob.WriterOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return fmt.Errorf("write %s to %s: %w", key, s.where, err)
	}
	if _, err := io.Copy(w, r); err != nil {
		cancel()
		w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("write %s to %s: %w", key, s.where, err)
	}
	return nil
}

// putLocal writes r under key in the folder, synced before it is renamed into place.
func (s *Store) putLocal(key string, r io.Reader) error {
	dst := filepath.Join(s.dir, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return fmt.Errorf("blob folder: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(dst), ".put-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	_, err = io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	return renameSynced(f.Name(), dst)
}

// renameSynced moves a synced file into place and syncs its folder.
func renameSynced(tmp, dst string) error {
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("keep %s: %w", filepath.Base(dst), err)
	}
	return syncDir(filepath.Dir(dst))
}

// syncDir syncs a folder, so that a rename in it survives a crash.
func syncDir(path string) error {
	dir, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("sync folder: %w", err)
	}
	defer dir.Close()
	if err := dir.Sync(); err != nil {
		return fmt.Errorf("sync folder %s: %w", path, err)
	}
	return nil
}

// PutFile uploads the local file path as key; a folder store moves it into place instead
// (it must then be on the same file system, e.g. spooled in Spool's folder).
func (s *Store) PutFile(ctx context.Context, key, path string) error {
	if err := s.ready(); err != nil {
		return err
	}
	if s.dir != "" {
		dst := filepath.Join(s.dir, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return fmt.Errorf("blob folder: %w", err)
		}
		if f, err := os.Open(path); err == nil {
			err = f.Sync()
			f.Close()
			if err != nil {
				return fmt.Errorf("keep %s: %w", key, err)
			}
		}
		if err := os.Rename(path, dst); err == nil {
			return syncDir(filepath.Dir(dst))
		}
		// Another file system: copy.
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := s.Put(ctx, key, f); err != nil {
		return err
	}
	f.Close()
	os.Remove(path)
	return nil
}

// Open opens the object key as a local file: in place for a folder store; for S3 it is
// downloaded into a temporary file of tmpDir (os.TempDir when ""), which is removed from
// the folder at once and disappears when closed. A missing object is an error for which
// IsNotExist is true.
func (s *Store) Open(ctx context.Context, key, tmpDir string) (*os.File, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	if s.dir != "" {
		return os.Open(filepath.Join(s.dir, filepath.FromSlash(key)))
	}
	r, err := s.b.NewReader(ctx, key, nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, fmt.Errorf("%s in %s: %w", key, s.where, os.ErrNotExist)
		}
		return nil, fmt.Errorf("read %s from %s: %w", key, s.where, err)
	}
	defer r.Close()
	if tmpDir == "" {
		tmpDir = os.TempDir()
	}
	if err := os.MkdirAll(tmpDir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(tmpDir, ".blob-*")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name()) // gone when closed
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return nil, fmt.Errorf("read %s from %s: %w", key, s.where, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Reader opens the object key for reading as a stream.
func (s *Store) Reader(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	r, err := s.b.NewReader(ctx, key, nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, fmt.Errorf("%s in %s: %w", key, s.where, os.ErrNotExist)
		}
		return nil, fmt.Errorf("read %s from %s: %w", key, s.where, err)
	}
	return r, nil
}

// Exists reports whether the object key exists.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if err := s.ready(); err != nil {
		return false, err
	}
	return s.b.Exists(ctx, key)
}

// Delete removes the object key; a missing one is no error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.ready(); err != nil {
		return err
	}
	if err := s.b.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("delete %s from %s: %w", key, s.where, err)
	}
	return nil
}

// Object is a stored object as listed.
type Object struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// List returns the objects whose keys start with prefix, by key, without those of
// sub-folders (keys with a further "/") and without temporary files (names starting with
// a dot).
func (s *Store) List(ctx context.Context, prefix string) ([]Object, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	var out []Object
	it := s.b.List(&gblob.ListOptions{Prefix: prefix, Delimiter: "/"})
	for {
		o, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if s.dir != "" && errors.Is(err, os.ErrNotExist) {
				break
			}
			return nil, fmt.Errorf("list %s: %w", s.where, err)
		}
		if o.IsDir || strings.HasPrefix(path.Base(o.Key), ".") {
			continue
		}
		out = append(out, Object{Key: o.Key, Size: o.Size, ModTime: o.ModTime})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Close releases the bucket.
func (s *Store) Close() error {
	if s.b == nil {
		return nil
	}
	return s.b.Close()
}
