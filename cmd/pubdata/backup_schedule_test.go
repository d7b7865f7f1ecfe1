package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/backup"
	"github.com/pubdata/pubdata/sqlstore"
)

// TestScheduledBackup: a due backup is written, read back and recorded; it is not due again
// within the interval; the destination keeps the newest backup_keep; a failing destination
// is recorded as a failed run.
func TestScheduledBackup(t *testing.T) {
	s := newSQLiteStore(t)
	cfg := s.config()
	dest := filepath.Join(t.TempDir(), "offsite")
	cfg.BackupTo, cfg.BackupInterval, cfg.BackupKeep, cfg.BackupPassphrase = dest, time.Hour, 2, testPassphrase
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a := s.open(t)
	a.cfg = cfg
	ctx := systemContext(context.Background())
	now := time.Now()
	a.db.Now = func() time.Time { return now }

	var names []string
	for i := 0; i < 3; i++ {
		run, err := a.scheduledBackup(ctx)
		if err != nil || run == nil {
			t.Fatalf("backup %d: %v, %v", i, run, err)
		}
		if run.Status != pubdata.BackupDone || run.Check != pubdata.BackupCheckOK || run.Size == 0 || run.Parts < 4 || run.Problem != "" {
			t.Fatalf("backup %d: %+v", i, run)
		}
		names = append(names, run.Name)
		if again, err := a.scheduledBackup(ctx); err != nil || again != nil {
			t.Fatalf("a second backup within the interval: %v, %v", again, err)
		}
		now = now.Add(time.Hour)
		time.Sleep(2 * time.Millisecond) // backups are named by the millisecond
	}
	b, err := backup.OpenDest(ctx, dest)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	complete, incomplete, err := backup.List(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(incomplete) != 0 || len(complete) != 2 || complete[0] != names[1] || complete[1] != names[2] {
		t.Errorf("kept %v (incomplete %v), want the newest two of %v", complete, incomplete, names)
	}
	runs, err := sqlstore.NewBackupService(a.db).FindBackupRuns(ctx, 10)
	if err != nil || len(runs) != 3 {
		t.Fatalf("runs: %v, %v", runs, err)
	}

	// A destination that cannot be written: the run is recorded as failed.
	blocker := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocker, []byte("x"), 0o600)
	a.cfg.BackupTo = filepath.Join(blocker, "sub")
	run, err := a.scheduledBackup(ctx)
	if err != nil || run == nil || run.Status != pubdata.BackupFailed || run.Problem == "" {
		t.Fatalf("a backup to an unwritable destination: %+v, %v", run, err)
	}
}

// TestServeBackup: serve with the backup settings in the environment writes a backup.
func TestServeBackup(t *testing.T) {
	s := newSQLiteStore(t)
	dest := filepath.Join(t.TempDir(), "offsite")
	t.Setenv("PUBDATA_BACKUP_TO", dest)
	t.Setenv("PUBDATA_BACKUP_INTERVAL", "24h")
	t.Setenv("PUBDATA_BACKUP_PASSPHRASE", testPassphrase)
	_, stop := startServe(t, s.args()...)
	deadline := time.Now().Add(60 * time.Second)
	for {
		entries, _ := os.ReadDir(dest)
		if len(entries) == 1 {
			if _, err := os.Stat(filepath.Join(dest, entries[0].Name(), backup.ManifestFile)); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("serve wrote no backup within 60s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	code, _, stderr := stop()
	if code != 0 {
		t.Fatalf("serve: exit %d: %s", code, stderr)
	}
	// A bad setting is refused at start.
	t.Setenv("PUBDATA_BACKUP_PASSPHRASE", "short")
	code, _, stderr = runCLI(t, append([]string{"serve", "--addr", "127.0.0.1:0"}, s.args()...)...)
	if code != 2 || !strings.Contains(stderr, "backup_passphrase_file") {
		t.Errorf("serve with a short backup passphrase: exit %d, %q", code, stderr)
	}
}
