package pubdata

import (
	"context"
	"time"
)

// BackupRun is one scheduled backup as a server ran it (pubdata backup writes backups too,
// but only serve's schedule keeps runs): where it went, the backup's name and size, and the
// check made after writing it (every part read back and compared with the manifest's
// SHA-256).
type BackupRun struct {
	ID          string     `json:"id"`
	Started     time.Time  `json:"started"`
	Finished    *time.Time `json:"finished,omitempty"`
	Destination string     `json:"destination"` // without credentials or query
	Name        string     `json:"name,omitempty"`
	Size        int64      `json:"size"`
	Parts       int        `json:"parts"`
	Status      string     `json:"status"` // BackupRunning, BackupDone, BackupFailed
	Check       string     `json:"check"`  // BackupCheckOK, BackupCheckFailed, "" (not checked)
	Problem     string     `json:"problem,omitempty"`
}

// Statuses and checks of a backup run.
const (
	BackupRunning     = "running"
	BackupDone        = "done"
	BackupFailed      = "failed"
	BackupCheckOK     = "ok"
	BackupCheckFailed = "failed"
)

// BackupStaleAfter is when a running backup is taken for dead (its server stopped).
const BackupStaleAfter = 6 * time.Hour

// BackupService keeps the runs of the scheduled backups. Each start and end is recorded
// ("backup.start", "backup.done", "backup.failed").
type BackupService interface {
	// StartBackup claims the next scheduled backup: it returns nil when one is running
	// (and not stale) or one started less than interval ago, on any server.
	StartBackup(ctx context.Context, destination string, interval time.Duration) (*BackupRun, error)
	// FinishBackup records the end of the run (its status, name, size, check, problem).
	FinishBackup(ctx context.Context, r *BackupRun) error
	// FindBackupRuns returns the newest runs first.
	FindBackupRuns(ctx context.Context, limit int) ([]*BackupRun, error)
}

// CanSeeBackups reports whether the actor may see the backups: the platform authority's
// administrators.
func CanSeeBackups(a *Actor) bool { return IsPlatformAuthority(a) && a.Role() == RoleAdmin }
