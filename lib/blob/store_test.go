package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/audit"
)

// TestStoreFolder and TestStoreS3 run the same checks on both shapes of the store: a local
// folder (the embedded shape) and an S3 bucket (PUBDATA_TEST_S3: SeaweedFS in CI).
func TestStoreFolder(t *testing.T) {
	dir := t.TempDir()
	storeChecks(t, dir)
	// A folder store keeps the layout of the data folder: batches/<id>, files/<sha256>.
	if _, err := os.Stat(filepath.Join(dir, "batches", "b1")); err != nil {
		t.Errorf("the folder layout changed: %v", err)
	}
}

func TestStoreS3(t *testing.T) {
	storeChecks(t, testdb.S3(t))
}

func storeChecks(t *testing.T, loc string) {
	ctx := context.Background()
	s, err := Open(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	batches := s.Sub("batches")

	// Put, Exists, Open, Reader, List, Delete.
	if err := batches.Put(ctx, "b1", strings.NewReader("uscc,name\n1,甲\n")); err != nil {
		t.Fatal(err)
	}
	if ok, err := batches.Exists(ctx, "b1"); err != nil || !ok {
		t.Fatalf("exists: %v %v", ok, err)
	}
	// The store itself stays usable after a Sub (a backup reads "batches/b1" through it).
	if ok, err := s.Exists(ctx, "batches/b1"); err != nil || !ok {
		t.Fatalf("the store after a Sub: exists %v %v", ok, err)
	}
	f, err := batches.Open(ctx, "b1", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if string(b) != "uscc,name\n1,甲\n" {
		t.Fatalf("read back %q", b)
	}
	r, err := batches.Reader(ctx, "b1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(r)
	r.Close()
	if len(b) != len("uscc,name\n1,甲\n") {
		t.Fatalf("stream read %q", b)
	}
	// A failed writer leaves nothing under the key.
	if err := batches.Put(ctx, "b2", io.MultiReader(strings.NewReader("half"), errReader{})); err == nil {
		t.Fatal("a broken upload was kept")
	}
	if ok, _ := batches.Exists(ctx, "b2"); ok {
		t.Fatal("a broken upload left an object")
	}
	// PutFile moves (folder) or uploads (S3) a local file.
	tmp := filepath.Join(t.TempDir(), "up")
	os.WriteFile(tmp, []byte("second"), 0o600)
	if batches.Local() != "" {
		tmp = filepath.Join(batches.Local(), ".upload-test")
		os.MkdirAll(batches.Local(), 0o700)
		os.WriteFile(tmp, []byte("second"), 0o600)
	}
	if err := batches.PutFile(ctx, "b3", tmp); err != nil {
		t.Fatal(err)
	}
	objs, err := batches.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[0].Key != "b1" || objs[1].Key != "b3" || objs[1].Size != 6 || time.Since(objs[0].ModTime) > time.Hour {
		t.Fatalf("list %+v", objs)
	}
	if err := batches.Delete(ctx, "b3"); err != nil {
		t.Fatal(err)
	}
	if err := batches.Delete(ctx, "b3"); err != nil {
		t.Fatalf("deleting a missing object: %v", err)
	}
	if _, err := batches.Open(ctx, "b3", ""); !IsNotExist(err) {
		t.Fatalf("open of a deleted object: %v", err)
	}

	// File entries' blobs: spooled, hashed, kept once, opened by key.
	d := NewDir(s.Sub("files"))
	sp, err := d.Spool(bytes.NewReader([]byte("%PDF-1.7 文件")))
	if err != nil {
		t.Fatal(err)
	}
	if err := sp.Keep(); err != nil {
		t.Fatal(err)
	}
	again, _ := d.Spool(bytes.NewReader([]byte("%PDF-1.7 文件")))
	if again.Key != sp.Key || again.Keep() != nil {
		t.Fatal("the same bytes are not kept once")
	}
	bf, err := d.Open(sp.Key)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := bf.Stat()
	bf.Close()
	if st.Size() != sp.Size {
		t.Fatalf("blob size %d, want %d", st.Size(), sp.Size)
	}
	if _, err := d.Open("../x"); !errors.Is(err, ErrKey) {
		t.Fatalf("a malformed key: %v", err)
	}

	// The checkpoint log in a bucket: entries in the order appended.
	log := &audit.BucketLog{Bucket: s.Sub("checkpoints").Bucket(), Where: s.String() + "/checkpoints"}
	if es, err := log.Entries(ctx); err != nil || len(es) != 0 {
		t.Fatalf("empty log: %v %v", es, err)
	}
	for i := range 3 {
		if err := log.Append(ctx, audit.Entry{Checkpoint: &pubdata.Checkpoint{Size: int64(i + 1), Root: "r"}}); err != nil {
			t.Fatal(err)
		}
	}
	es, err := log.Entries(ctx)
	if err != nil || len(es) != 3 || es[0].Checkpoint.Size != 1 || es[2].Checkpoint.Size != 3 {
		t.Fatalf("log entries %v %v", es, err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestOpenBucketRefuses(t *testing.T) {
	for _, loc := range []string{"", "ftp://x/y", "s3://key:secret@bucket/p"} {
		_, _, err := OpenBucket(context.Background(), loc)
		if err == nil || strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: %v", loc, err)
		}
	}
	if got := Redact("s3://b/p?endpoint=http://x&secret=1"); got != "s3://b/p" {
		t.Errorf("Redact: %q", got)
	}
}
