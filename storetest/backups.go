package storetest

import (
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

var backupTests = []namedTest{
	{"BackupRuns", testBackupRuns},
}

// testBackupRuns: one scheduled backup is claimed at a time and at most once an interval;
// a run left running by a server that stopped is taken over after BackupStaleAfter; the
// runs are listed newest first, and each start and end is recorded.
func testBackupRuns(t *testing.T, s *Store) {
	if s.Backups == nil {
		t.Fatal("the store does not wire the backup service")
	}
	t0 := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	s.SetNow(t0)
	if runs, err := s.Backups.FindBackupRuns(system, 10); err != nil || len(runs) != 0 {
		t.Fatalf("runs of a new store: %v, %v", runs, err)
	}
	r1, err := s.Backups.StartBackup(system, "/backups", time.Hour)
	if err != nil || r1 == nil {
		t.Fatalf("first start: %v, %v", r1, err)
	}
	// While it runs, no other server starts one.
	if r, err := s.Backups.StartBackup(system, "/backups", time.Hour); err != nil || r != nil {
		t.Fatalf("a second start while one runs: %v, %v", r, err)
	}
	r1.Status, r1.Name, r1.Size, r1.Parts, r1.Check = pubdata.BackupDone, "pubdata-20260302T010000.000Z", 12345, 7, pubdata.BackupCheckOK
	if err := s.Backups.FinishBackup(system, r1); err != nil {
		t.Fatal(err)
	}
	// Not due before the interval has passed.
	s.SetNow(t0.Add(59 * time.Minute))
	if r, err := s.Backups.StartBackup(system, "/backups", time.Hour); err != nil || r != nil {
		t.Fatalf("a start within the interval: %v, %v", r, err)
	}
	s.SetNow(t0.Add(time.Hour))
	r2, err := s.Backups.StartBackup(system, "/backups", time.Hour)
	if err != nil || r2 == nil {
		t.Fatalf("a start after the interval: %v, %v", r2, err)
	}
	// r2's server stops; after BackupStaleAfter another takes over and r2 is failed.
	s.SetNow(t0.Add(time.Hour + pubdata.BackupStaleAfter - time.Minute))
	if r, err := s.Backups.StartBackup(system, "/backups", time.Hour); err != nil || r != nil {
		t.Fatalf("a start while a run is not yet stale: %v, %v", r, err)
	}
	s.SetNow(t0.Add(time.Hour + pubdata.BackupStaleAfter))
	r3, err := s.Backups.StartBackup(system, "/backups", time.Hour)
	if err != nil || r3 == nil {
		t.Fatalf("a start after a stale run: %v, %v", r3, err)
	}
	r3.Status, r3.Problem = pubdata.BackupFailed, "destination full"
	if err := s.Backups.FinishBackup(system, r3); err != nil {
		t.Fatal(err)
	}
	runs, err := s.Backups.FindBackupRuns(system, 10)
	if err != nil || len(runs) != 3 {
		t.Fatalf("runs: %v, %v", runs, err)
	}
	if runs[0].ID != r3.ID || runs[1].ID != r2.ID || runs[2].ID != r1.ID {
		t.Errorf("runs not newest first: %s %s %s", runs[0].ID, runs[1].ID, runs[2].ID)
	}
	if g := runs[2]; g.Status != pubdata.BackupDone || g.Name != r1.Name || g.Size != 12345 || g.Parts != 7 || g.Check != pubdata.BackupCheckOK || g.Finished == nil || !g.Started.Equal(t0) {
		t.Errorf("the done run reads back as %+v", g)
	}
	if g := runs[1]; g.Status != pubdata.BackupFailed || g.Problem == "" || g.Finished == nil {
		t.Errorf("the stale run reads back as %+v", g)
	}
	if g := runs[0]; g.Status != pubdata.BackupFailed || g.Problem != "destination full" {
		t.Errorf("the failed run reads back as %+v", g)
	}
	events, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range events {
		count[e.Action]++
	}
	if count["backup.start"] != 3 || count["backup.done"] != 1 || count["backup.failed"] != 1 {
		t.Errorf("recorded %v, want 3 starts, 1 done, 1 failed", count)
	}
}
