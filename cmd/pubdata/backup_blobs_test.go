package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/blob"
)

// blobObjects reads every object of the store's files/ and batches/.
func blobObjects(t *testing.T, s *blob.Store) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for _, sub := range []string{"files/", "batches/"} {
		objs, err := s.List(ctx, sub)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			r, err := s.Reader(ctx, o.Key)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			out[o.Key] = string(b)
		}
	}
	return out
}

// blobPlace is a fresh blob store of the kind: a folder of its own, or an S3 prefix
// (PUBDATA_TEST_S3; skipped without it, failing in CI).
func blobPlace(t *testing.T, kind string) string {
	if kind == "s3" {
		return testdb.S3(t)
	}
	return filepath.Join(t.TempDir(), "blobs")
}

// TestBackupBlobStore backs up a platform whose blob store is not its data folder (a folder
// of its own, an S3 bucket: the cluster's shape) and restores it into a fresh data folder,
// database and store: the files of file entries and the upload of an unfinished batch come
// back into the new store, checked by size and SM3, and backup verify reports an altered
// one.
func TestBackupBlobStore(t *testing.T) {
	for _, kind := range []string{"folder", "s3"} {
		t.Run(kind, func(t *testing.T) {
			forEachStore(t, func(t *testing.T, s store) {
				requirePgTools(t, s)
				testBackupBlobStore(t, s, kind)
			})
		})
	}
}

func testBackupBlobStore(t *testing.T, s store, kind string) {
	ctx := systemContext(context.Background())
	loc := blobPlace(t, kind)
	cfg := s.config()
	cfg.Blob = loc
	a, err := openApp(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := createDemoProvince(ctx, a); err != nil {
		t.Fatal(err)
	}
	if n, err := createDemoFiles(ctx, a); err != nil || n == 0 {
		t.Fatalf("demo files: %d, %v", n, err)
	}
	// A batch still running, whose upload is kept for its load (or its retry).
	e := publishedByCode(t, a, "204001/00001")
	actors := &demoActors{a: a, ctx: ctx, cache: map[string]context.Context{}}
	ectx, err := actors.as(demoEditors[e.Org])
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := a.data.CreateBatch(ectx, e, pubdata.LoadOptions{Mode: pubdata.ModeAppend, OnError: pubdata.OnErrorAbort, Format: "csv", FileName: "later.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.batchStore().Put(ctx, b.ID, strings.NewReader("upload of a batch not yet loaded\n")); err != nil {
		t.Fatal(err)
	}
	// A signed checkpoint: in the bucket's checkpoints/ when the store is S3, which the
	// backup takes and the restore puts into the new store's.
	cp, err := a.audit.Checkpoint(ctx)
	if err != nil || cp == nil {
		t.Fatalf("checkpoint: %v, %v", cp, err)
	}
	before := blobObjects(t, a.blobs)
	if len(before) < 2 {
		t.Fatalf("the store holds %d objects", len(before))
	}
	if _, err := os.Stat(a.fileDir()); err == nil {
		t.Fatalf("the data folder holds files/: the store is %s", loc)
	}

	dest := filepath.Join(t.TempDir(), "backups")
	pass := passFile(t, testPassphrase)
	code, stdout, stderr := runCLI(t, append([]string{"backup", "--to", dest, "--passphrase-file", pass, "--blob", loc}, s.args()...)...)
	if code != 0 {
		t.Fatalf("backup: exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout, "missing") {
		t.Errorf("backup: %s", stdout)
	}
	parts := 0
	bdir := onlyBackup(t, dest)
	filepath.WalkDir(filepath.Join(bdir, "blob"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			parts++
		}
		return nil
	})
	if parts != len(before) {
		t.Errorf("the backup holds %d blob parts, the store %d objects", parts, len(before))
	}

	// Restore into a fresh data folder, database and blob store.
	fresh := store{name: s.name, data: filepath.Join(t.TempDir(), "restored")}
	if s.name == "postgres" {
		fresh.dsn = testdb.Postgres(t)
	}
	loc2 := blobPlace(t, kind)
	code, stdout, stderr = runCLI(t, append([]string{"restore", "--from", dest, "--passphrase-file", pass, "--blob", loc2}, fresh.args()...)...)
	if code != 0 {
		t.Fatalf("restore: exit %d: %s\n%s", code, stderr, stdout)
	}
	for _, want := range []string{"audit record intact", "blob store: 2 objects put", "(size, SHA-256, SM3): 2"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("restore printed %q, want %q", stdout, want)
		}
	}
	if strings.Contains(stdout, "difference") {
		t.Errorf("restore found differences: %s", stdout)
	}
	fcfg := fresh.config()
	fcfg.Blob = loc2
	r, err := openApp(context.Background(), fcfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if after := blobObjects(t, r.blobs); !reflect.DeepEqual(before, after) {
		t.Errorf("the store's objects differ after the restore:\nbefore %v\nafter  %v", keys(before), keys(after))
	}
	if v, err := r.audit.Verify(ctx); err != nil || !v.OK || v.Checkpoints < 1 {
		t.Errorf("audit verify after the restore: %+v, %v", v, err)
	}
	if kind == "s3" {
		entries, err := checkpointLog(fcfg, r.blobs).Entries(ctx)
		if err != nil || len(entries) == 0 || entries[0].Checkpoint == nil || entries[0].Checkpoint.Root != cp.Root {
			t.Errorf("the restored store's checkpoint log: %d entries, %v", len(entries), err)
		}
	}

	// backup verify restores into a scratch folder (never the live store) and checks them.
	code, stdout, stderr = runCLI(t, append([]string{"backup", "verify", "--from", dest, "--passphrase-file", pass, "--blob", loc}, s.args()...)...)
	if code != 0 || !strings.Contains(stdout, "(size, SHA-256, SM3): 2") {
		t.Errorf("backup verify: exit %d\n%s%s", code, stdout, stderr)
	}
	if now := blobObjects(t, a.blobs); !reflect.DeepEqual(before, now) {
		t.Errorf("backup verify changed the live store")
	}

	// An altered blob part: backup verify names it, restore refuses it.
	var file string
	for k := range before {
		if strings.HasPrefix(k, "files/") {
			file = k
		}
	}
	p := filepath.Join(bdir, "blob", filepath.FromSlash(file))
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 1
	os.WriteFile(p, raw, 0o600)
	code, stdout, stderr = runCLI(t, append([]string{"backup", "verify", "--from", bdir, "--passphrase-file", pass}, s.args()...)...)
	if code != 1 || !strings.Contains(stdout+stderr, "blob/"+file) {
		t.Errorf("backup verify of an altered file: exit %d\n%s%s", code, stdout, stderr)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
