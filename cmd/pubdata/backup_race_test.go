package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/audit"
)

// TestBackupCheckpointAfterDump: a checkpoint signed between the database dump and the copy
// of the data folder (the servers keep writing) is left out of the backup's checkpoint log,
// so that the restored log agrees with the restored record: restore's audit verify passes
// and says where the newest checkpoint is; the manifest notes what was left out.
func TestBackupCheckpointAfterDump(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		requirePgTools(t, s)
		ctx := systemContext(context.Background())
		a := s.open(t)
		for i := 0; i < 3; i++ {
			if err := a.orgs.CreateOrg(ctx, &pubdata.Org{Code: fmt.Sprintf("r%d", i), Name: fmt.Sprintf("竞态 %d", i), Kind: pubdata.KindPublicBody, Division: "350100"}); err != nil {
				t.Fatal(err)
			}
		}
		first, err := a.audit.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// A tail: an event after the last checkpoint before the backup.
		if err := a.orgs.CreateOrg(ctx, &pubdata.Org{Code: "tail", Name: "尾部", Kind: pubdata.KindPublicBody, Division: "350100"}); err != nil {
			t.Fatal(err)
		}
		dest := filepath.Join(t.TempDir(), "backups")
		var signedAfter *pubdata.Checkpoint
		m, err := a.writeBackupWith(ctx, dest, testPassphrase, func(ctx context.Context) error {
			// After the dump: more events, and a checkpoint of them in the log and the database.
			if err := a.orgs.CreateOrg(ctx, &pubdata.Org{Code: "late", Name: "迟到", Kind: pubdata.KindPublicBody, Division: "350100"}); err != nil {
				return err
			}
			var err error
			signedAfter, err = a.audit.Checkpoint(ctx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if events := m.Tables["audit_events"]; events <= first.Size || signedAfter.Size <= events {
			t.Fatalf("the dump has %d events: want more than the first checkpoint's %d and fewer than the late one's %d", events, first.Size, signedAfter.Size)
		}
		if len(m.Notes) != 1 || !strings.Contains(m.Notes[0], "checkpoints.log: 1 entries signed after the database dump") {
			t.Fatalf("manifest notes %q", m.Notes)
		}
		// The live log holds the late checkpoint; the backup's does not.
		live, err := audit.NewFileLog(filepath.Join(s.data, audit.LogFile)).Entries(ctx)
		if err != nil || live[len(live)-1].Checkpoint == nil || live[len(live)-1].Checkpoint.Size != signedAfter.Size {
			t.Fatalf("live log %v, %v", live, err)
		}

		fresh := store{name: s.name, data: filepath.Join(t.TempDir(), "restored")}
		if s.name == "postgres" {
			fresh.dsn = testdb.Postgres(t)
		}
		pass := passFile(t, testPassphrase)
		code, stdout, stderr := runCLI(t, append([]string{"restore", "--from", dest, "--passphrase-file", pass}, fresh.args()...)...)
		if code != 0 {
			t.Fatalf("restore: exit %d: %s\n%s", code, stderr, stdout)
		}
		events := m.Tables["audit_events"]
		for _, want := range []string{"audit record intact", "note: checkpoints.log: 1 entries",
			fmt.Sprintf("checkpoint log agrees with the record: newest checkpoint at %d of %d events (%d after it", first.Size, events, events-first.Size)} {
			if !strings.Contains(stdout, want) {
				t.Errorf("restore printed %q, want %q", stdout, want)
			}
		}
		restored, err := os.ReadFile(filepath.Join(fresh.data, audit.LogFile))
		if err != nil {
			t.Fatal(err)
		}
		if kept, dropped := audit.TrimLog(restored, events); dropped != 0 || len(kept) != len(restored) {
			t.Errorf("the restored log holds %d entries beyond the restored record", dropped)
		}
	})
}

// TestTrimLog: checkpoints and cosignatures beyond the size go, the rest (and lines that do
// not parse) stay in order.
func TestTrimLog(t *testing.T) {
	log := `{"checkpoint":{"size":3,"root":"a"}}
{"cosignature":{"size":3,"root":"a"}}
not json
{"checkpoint":{"size":7,"root":"b"}}
{"cosignature":{"size":7,"root":"b"}}
{"checkpoint":{"size":5,"root":"c"}}
`
	kept, dropped := audit.TrimLog([]byte(log), 5)
	want := `{"checkpoint":{"size":3,"root":"a"}}
{"cosignature":{"size":3,"root":"a"}}
not json
{"checkpoint":{"size":5,"root":"c"}}
`
	if string(kept) != want || dropped != 2 {
		t.Fatalf("TrimLog = %q, %d", kept, dropped)
	}
	if kept, dropped := audit.TrimLog([]byte(log), 100); string(kept) != log || dropped != 0 {
		t.Fatalf("TrimLog(100) = %q, %d", kept, dropped)
	}
}

// TestBackupExternalCheckpointLog: with the checkpoint log in a configured folder
// (checkpoint_log, as on a cluster), the backup carries it (trimmed to the dump) and a
// restore into a fresh place puts it where the new servers read it: the record is intact.
// A stale checkpoints.log in the data folder does not take its place.
func TestBackupExternalCheckpointLog(t *testing.T) {
	forEachStoreSerial(t, func(t *testing.T, s store) {
		requirePgTools(t, s)
		logDir := filepath.Join(t.TempDir(), "shared-log")
		t.Setenv("PUBDATA_CHECKPOINT_LOG", logDir)
		ctx := systemContext(context.Background())
		cfg := s.config()
		cfg.CheckpointLog = logDir
		a, err := openApp(context.Background(), cfg, quietLogger(cfg, io.Discard))
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		for i := 0; i < 3; i++ {
			if err := a.orgs.CreateOrg(ctx, &pubdata.Org{Code: fmt.Sprintf("x%d", i), Name: fmt.Sprintf("外部 %d", i), Kind: pubdata.KindPublicBody, Division: "350100"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := a.audit.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(s.data, audit.LogFile), []byte("stale\n"), 0o600)
		dest := filepath.Join(t.TempDir(), "backups")
		if _, err := a.writeBackupWith(ctx, dest, testPassphrase, func(ctx context.Context) error {
			_, err := a.audit.Checkpoint(ctx) // nothing new: no checkpoint
			if err == nil {
				err = a.orgs.CreateOrg(ctx, &pubdata.Org{Code: "late", Name: "迟到", Kind: pubdata.KindPublicBody, Division: "350100"})
			}
			if err == nil {
				_, err = a.audit.Checkpoint(ctx)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		fresh := store{name: s.name, data: filepath.Join(t.TempDir(), "restored")}
		if s.name == "postgres" {
			fresh.dsn = testdb.Postgres(t)
		}
		newLog := filepath.Join(t.TempDir(), "new-shared-log")
		t.Setenv("PUBDATA_CHECKPOINT_LOG", newLog)
		code, stdout, stderr := runCLI(t, append([]string{"restore", "--from", dest, "--passphrase-file", passFile(t, testPassphrase)}, fresh.args()...)...)
		if code != 0 || !strings.Contains(stdout, "audit record intact") || !strings.Contains(stdout, "restored to "+filepath.Join(newLog, audit.LogFile)) {
			t.Fatalf("restore: exit %d\n%s%s", code, stdout, stderr)
		}
		if code, stdout, stderr := runCLI(t, append([]string{"audit", "verify"}, fresh.args()...)...); code != 0 {
			t.Fatalf("audit verify with the new checkpoint_log: exit %d\n%s%s", code, stdout, stderr)
		}
	})
}
