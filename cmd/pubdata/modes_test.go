package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPrivateFiles (issue 12 item 6): the data folder and the SQLite database are the
// owner's only, also when they existed before with wider modes; old failed batches' files
// are removed after BatchFileRetention.
func TestPrivateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "pubdata.db")
	if err := os.WriteFile(db, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Data, cfg.DB = dir, "sqlite:"+db
	a, err := openApp(context.Background(), &cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.db.Close()
	for _, p := range []string{dir, db} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is %v, want private", p, info.Mode().Perm())
		}
	}
	// Batch files: the old one goes, the recent one stays.
	if err := os.MkdirAll(a.batchDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	old, recent := filepath.Join(a.batchDir(), "old"), filepath.Join(a.batchDir(), "recent")
	os.WriteFile(old, []byte("x"), 0o600)
	os.WriteFile(recent, []byte("x"), 0o600)
	past := time.Now().Add(-BatchFileRetention - time.Hour)
	os.Chtimes(old, past, past)
	if n, err := a.removeOldBatchFiles(time.Now()); err != nil || n != 1 {
		t.Fatalf("removed %d, %v", n, err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Error("the old batch file is kept")
	}
	if _, err := os.Stat(recent); err != nil {
		t.Error("the recent batch file is gone")
	}
}
