package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"

	pdblob "github.com/pubdata/pubdata/lib/blob"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// A destination is where backups are kept: a folder (another volume, a mounted share) or an
// S3-compatible bucket. Both are a gocloud.dev/blob bucket, so every part of a backup is
// written, listed and read by the same code whatever the place; the folder is the tested
// shape of the bucket, and a later object store for uploaded files can use the same
// interface.

// IsS3 reports whether dest names an S3 bucket (s3://bucket/prefix?…).
func IsS3(dest string) bool { return strings.HasPrefix(dest, "s3://") }

// Redact returns dest without any credentials or query, for logs and the console.
func Redact(dest string) string {
	if !IsS3(dest) {
		return dest
	}
	u, err := url.Parse(dest)
	if err != nil {
		return "s3://…"
	}
	u.User, u.RawQuery = nil, ""
	return u.String()
}

// OpenDest opens the destination dest: a folder path (created, mode 0700, if absent) or
// s3://bucket/prefix with the query parameters of gocloud.dev's s3blob (endpoint, region,
// use_path_style, disable_https, ssetype …); the credentials come from the AWS environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or the shared AWS files, never from the URL.
func OpenDest(ctx context.Context, dest string) (*blob.Bucket, error) {
	if strings.TrimSpace(dest) == "" {
		return nil, errors.New("no backup destination given")
	}
	// The platform's one way to open a folder or a bucket (lib/blob, also the blob store's).
	b, _, err := pdblob.OpenBucket(ctx, dest)
	if err != nil {
		return nil, fmt.Errorf("backup destination %w", err)
	}
	return b, nil
}

// NamePrefix starts the name of every backup: pubdata-20260102T030405Z.
const NamePrefix = "pubdata-"

// List returns the names of the complete backups at the destination (those with a
// manifest), oldest first, and of the incomplete ones.
func List(ctx context.Context, b *blob.Bucket) (complete, incomplete []string, err error) {
	it := b.List(&blob.ListOptions{Delimiter: "/", Prefix: NamePrefix})
	for {
		obj, err := it.Next(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, nil, fmt.Errorf("list backups: %w", err)
		}
		if !obj.IsDir {
			continue
		}
		name := strings.TrimSuffix(obj.Key, "/")
		ok, err := b.Exists(ctx, name+"/"+ManifestFile)
		if err != nil {
			return nil, nil, fmt.Errorf("list backups: %w", err)
		}
		if ok {
			complete = append(complete, name)
		} else {
			incomplete = append(incomplete, name)
		}
	}
	sort.Strings(complete)
	sort.Strings(incomplete)
	return complete, incomplete, nil
}

// Prune deletes all but the newest keep complete backups, and the incomplete ones older than
// the oldest kept (a backup being written now is newer). It returns the names deleted.
func Prune(ctx context.Context, b *blob.Bucket, keep int) ([]string, error) {
	if keep < 1 {
		return nil, errors.New("prune: keep at least one backup")
	}
	complete, incomplete, err := List(ctx, b)
	if err != nil {
		return nil, err
	}
	if len(complete) <= keep {
		return nil, nil
	}
	oldestKept := complete[len(complete)-keep]
	var drop []string
	drop = append(drop, complete[:len(complete)-keep]...)
	for _, n := range incomplete {
		if n < oldestKept {
			drop = append(drop, n)
		}
	}
	var deleted []string
	for _, name := range drop {
		if err := deleteAll(ctx, b, name+"/"); err != nil {
			return deleted, fmt.Errorf("prune %s: %w", name, err)
		}
		deleted = append(deleted, name)
	}
	return deleted, nil
}

// deleteAll deletes every object under prefix; the manifest first, so that a backup half
// deleted is never taken for a complete one.
func deleteAll(ctx context.Context, b *blob.Bucket, prefix string) error {
	if err := b.Delete(ctx, prefix+ManifestFile); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return err
	}
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := b.Delete(ctx, obj.Key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return err
		}
	}
}
