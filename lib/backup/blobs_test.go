package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm3"

	pdblob "github.com/pubdata/pubdata/lib/blob"
)

// TestBlobParts: the objects of a blob store the dump names are kept as blob parts with
// their SM3 (a missing one and one that differs from the database are noted); Check finds
// an altered one by its SM3 too; Restore puts them into another store.
func TestBlobParts(t *testing.T) {
	ctx := context.Background()
	dir, priv := fixture(t)
	store, err := pdblob.Open(ctx, filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte("the file of a file entry")
	s256, s3 := sha256.Sum256(doc), sm3.Sum(doc)
	key := "files/" + hex.EncodeToString(s256[:])
	if err := store.Put(ctx, key, strings.NewReader(string(doc))); err != nil {
		t.Fatal(err)
	}
	if err := store.Put(ctx, "batches/b1", strings.NewReader("an upload")); err != nil {
		t.Fatal(err)
	}
	if err := store.Put(ctx, "files/wrong", strings.NewReader("other bytes")); err != nil {
		t.Fatal(err)
	}
	refs := []BlobRef{
		{Key: key, From: "entry_file_versions", Size: int64(len(doc)), SHA256: hex.EncodeToString(s256[:]), SM3: hex.EncodeToString(s3[:])},
		{Key: key, From: "products", Size: int64(len(doc))}, // named twice: kept once
		{Key: "batches/b1", From: "data_batches", Size: -1, Optional: true},
		{Key: "batches/gone", From: "data_batches", Size: -1, Optional: true},
		{Key: "files/missing", From: "entry_file_versions", Size: 3},
		{Key: "files/wrong", From: "devspace_runs", Size: 11, SM3: strings.Repeat("0", 64)},
		{Key: "../escape", From: "products", Size: 1},
	}
	dump := func(ctx context.Context, path string) (*DBInfo, error) {
		info, err := dumpFunc(ctx, path)
		if info != nil {
			info.Blobs = refs
		}
		return info, err
	}
	b, err := OpenDest(ctx, filepath.Join(t.TempDir(), "backups"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	m, err := Write(ctx, b, Options{DataDir: dir, Dump: dump, Passphrase: pass, Signer: priv, Blobs: store})
	if err != nil {
		t.Fatal(err)
	}
	blobs := map[string]Part{}
	for _, p := range m.Parts {
		if p.Kind == Blob {
			blobs[p.Name] = p
		}
	}
	if len(blobs) != 3 || blobs["blob/"+key].SM3 != hex.EncodeToString(s3[:]) || blobs["blob/batches/b1"].SM3 == "" {
		t.Fatalf("blob parts %+v", blobs)
	}
	notes := strings.Join(m.Notes, "\n")
	for _, want := range []string{"files/missing named by entry_file_versions is missing", "files/wrong named by devspace_runs: SM3", `"../escape"`} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
	if strings.Contains(notes, "batches/gone") {
		t.Errorf("an optional object gone is noted: %q", notes)
	}

	// Restored into another store, checked.
	bk, err := Open(ctx, b, m.Name)
	if err != nil {
		t.Fatal(err)
	}
	other, err := pdblob.Open(ctx, filepath.Join(t.TempDir(), "other"))
	if err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "restored")
	if _, err := bk.Restore(ctx, RestoreOptions{DataDir: target, Passphrase: pass, KeyFile: "audit-sm2.pem", Blobs: other}); err != nil {
		t.Fatal(err)
	}
	if bk.BlobsPut != 3 {
		t.Errorf("%d objects put", bk.BlobsPut)
	}
	r, err := other.Reader(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := refs[0].CheckBlob(r); err != nil || d != "" {
		t.Errorf("the restored object: %q %v", d, err)
	}
	r.Close()
	if _, err := os.Stat(filepath.Join(target, filepath.FromSlash(key))); err == nil {
		t.Error("the blob parts went into the data folder, not the store")
	}
	// A restore refused after Restore (its database does not load) removes what it put, and
	// only that: an object the store held before stays.
	if err := other.Put(ctx, "batches/kept", strings.NewReader("before")); err != nil {
		t.Fatal(err)
	}
	bk2, err := Open(ctx, b, m.Name)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	target2 := filepath.Join(t.TempDir(), "restored2")
	if _, err := bk2.Restore(ctx, RestoreOptions{DataDir: target2, Passphrase: pass, KeyFile: "audit-sm2.pem", Blobs: other}); err != nil {
		t.Fatal(err)
	}
	if bk2.BlobsPut != 1 || bk2.BlobsPresent != 2 {
		t.Fatalf("second restore: %d put, %d present; want 1 and 2", bk2.BlobsPut, bk2.BlobsPresent)
	}
	if err := bk2.RemovePutBlobs(ctx, other); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]bool{key: false, "batches/b1": true, "batches/kept": true} {
		if ok, err := other.Exists(ctx, k); err != nil || ok != want {
			t.Errorf("after removing what the refused restore put: %s exists %v (%v), want %v", k, ok, err, want)
		}
	}

	// An altered blob part: Check names it (its SHA-256 first).
	obj := m.Name + "/blob/" + key
	raw, err := b.ReadAll(ctx, obj)
	if err != nil {
		t.Fatal(err)
	}
	raw[0] ^= 1
	if err := b.WriteAll(ctx, obj, raw, nil); err != nil {
		t.Fatal(err)
	}
	problems, err := bk.Check(ctx)
	if err != nil || len(problems) != 1 || problems[0].Part != "blob/"+key {
		t.Fatalf("check of an altered blob: %v, %v", problems, err)
	}
}
