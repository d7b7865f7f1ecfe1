package main

import (
	"context"
	"fmt"
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
