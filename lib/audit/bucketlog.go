package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	gblob "gocloud.dev/blob"
)

// BucketLog is a checkpoint log in an object store (the cluster's blob store, under
// checkpoints/): an object store cannot append, so every entry is an object of its own,
// named by the time it was written (UTC, nanoseconds) and a random suffix, so that the
// nodes of a cluster append without coordinating and a listing reads the entries in the
// order they were written. An object is written whole or not at all; Append returns once
// the store acknowledged it.
type BucketLog struct {
	Bucket *gblob.Bucket
	Where  string
	Now    func() time.Time
}

// String implements Log.
func (l *BucketLog) String() string { return l.Where }

// Append implements Log.
func (l *BucketLog) Append(ctx context.Context, e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	r := make([]byte, 4)
	rand.Read(r)
	key := fmt.Sprintf("%s-%s.json", now().UTC().Format("20060102T150405.000000000Z"), hex.EncodeToString(r))
	if err := l.Bucket.WriteAll(ctx, key, append(b, '\n'), &gblob.WriterOptions{ContentType: "application/json"}); err != nil {
		return fmt.Errorf("checkpoint log %s: %w", l.Where, err)
	}
	return nil
}

// Entries implements Log: every object in key order, each one entry.
func (l *BucketLog) Entries(ctx context.Context) ([]Entry, error) {
	var keys []string
	it := l.Bucket.List(nil)
	for {
		o, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("checkpoint log %s: %w", l.Where, err)
		}
		if !o.IsDir && strings.HasSuffix(o.Key, ".json") {
			keys = append(keys, o.Key)
		}
	}
	sort.Strings(keys)
	var out []Entry
	for _, k := range keys {
		b, err := l.Bucket.ReadAll(ctx, k)
		if err != nil {
			return out, fmt.Errorf("checkpoint log %s: %w", l.Where, err)
		}
		es, err := ParseEntries(l.Where+"/"+k, b)
		if err != nil {
			return out, err
		}
		out = append(out, es...)
	}
	return out, nil
}
