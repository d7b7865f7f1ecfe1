package console

import (
	"fmt"
	"net/http"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
)

// The console's backups page (issue 14): the scheduled backup setting in force and the
// latest runs — when, where, how large, and whether the backup read back matched its
// checksums. Only the platform authority's admins see it (pubdata.CanSeeBackups).

// backupRunsShown is how many runs the page lists.
const backupRunsShown = 20

type backupsView struct {
	web.Page
	Schedule web.BackupSchedule
	Every    string // the interval, e.g. "24h0m0s" → "24h"
	Last     *backupRow
	Runs     []backupRow
}

type backupRow struct {
	*pubdata.BackupRun
	SizeText string
}

// PageBackups is GET /console/backups.
func (s *Server) PageBackups(w http.ResponseWriter, r *http.Request) error {
	if _, err := web.ConsoleActor(r); err != nil {
		return err
	}
	if _, err := s.BackupViewer(r); err != nil {
		return err
	}
	runs, err := s.Backups.FindBackupRuns(r.Context(), backupRunsShown)
	if err != nil {
		return err
	}
	v := &backupsView{Page: s.Base(r, true), Schedule: s.Backup, Every: shortDuration(s.Backup.Interval)}
	for _, run := range runs {
		row := backupRow{BackupRun: run, SizeText: backupSize(run.Size)}
		v.Runs = append(v.Runs, row)
		if v.Last == nil && run.Status != pubdata.BackupRunning {
			v.Last = &row
		}
	}
	return s.Render(w, r, "backups", http.StatusOK, v)
}

// shortDuration writes 24h0m0s as 24h and 90m as 1h30m.
func shortDuration(d interface{ String() string }) string {
	s := d.String()
	for _, suffix := range []string{"0s", "0m"} {
		if len(s) > len(suffix) && s[len(s)-len(suffix):] == suffix && s != "0s" {
			s = s[:len(s)-len(suffix)]
		}
	}
	return s
}

func backupSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
