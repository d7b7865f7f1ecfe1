package web

import (
	"net/http"
	"time"

	"github.com/pubdata/pubdata"
)

// BackupSchedule is the scheduled backup setting in force (serve's backup_to,
// backup_interval, backup_keep), as the console shows it.
type BackupSchedule struct {
	Destination string        // without credentials or query
	Interval    time.Duration // 0: no scheduled backups
	Keep        int
}

// ErrNoBackups is the answer where the server keeps no backup runs.
var ErrNoBackups = pubdata.Errorf(pubdata.ENOTFOUND, "This server keeps no backups.").Keyed("error.not_available.backups")

// BackupViewer returns the caller if it may see the backups.
func (s *Server) BackupViewer(r *http.Request) (*pubdata.Actor, error) {
	a, err := RequireUser(r)
	if err != nil {
		return nil, err
	}
	if s.Backups == nil {
		return nil, ErrNoBackups
	}
	if !pubdata.CanSeeBackups(a) {
		return nil, pubdata.Errorf(pubdata.EFORBIDDEN, "Only an administrator of the platform's authority may see the backups.").Keyed("error.backups.forbidden")
	}
	return a, nil
}
