package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/backup"
	"github.com/pubdata/pubdata/sqlstore"
)

// scheduledBackup runs the scheduled backup if one is due: it writes the backup, reads
// every part back against the manifest, deletes the backups beyond backup_keep and records
// the run. It returns the run (nil when none was due).
func (a *app) scheduledBackup(ctx context.Context) (*pubdata.BackupRun, error) {
	svc := sqlstore.NewBackupService(a.db)
	run, err := svc.StartBackup(ctx, backup.Redact(a.cfg.backupDest()), a.cfg.BackupInterval)
	if err != nil || run == nil {
		return nil, err
	}
	started := time.Now()
	a.logger.Info("backup started", "destination", run.Destination)
	problem := func(err error) {
		run.Status, run.Problem = pubdata.BackupFailed, oneLine(err.Error())
	}
	m, err := a.writeBackup(ctx, a.cfg.backupDest(), a.cfg.BackupPassphrase)
	if err != nil {
		problem(err)
	} else {
		run.Status, run.Name, run.Size, run.Parts = pubdata.BackupDone, m.Name, m.Size(), len(m.Parts)
		run.Check = pubdata.BackupCheckOK
		if err := a.checkBackup(ctx, m.Name); err != nil {
			run.Check, run.Problem = pubdata.BackupCheckFailed, oneLine(err.Error())
		} else if deleted, err := a.pruneBackups(ctx); err != nil {
			run.Problem = "retention: " + oneLine(err.Error())
		} else if len(deleted) > 0 {
			a.logger.Info("older backups deleted", "names", strings.Join(deleted, ","))
		}
	}
	// The run is recorded even when ctx ends (a shutdown during the backup).
	if err := svc.FinishBackup(context.WithoutCancel(ctx), run); err != nil {
		return run, err
	}
	if run.Status != pubdata.BackupDone || run.Check != pubdata.BackupCheckOK {
		a.logger.Error("backup failed", "destination", run.Destination, "name", run.Name, "check", run.Check, "problem", run.Problem)
	} else {
		a.logger.Info("backup written", "destination", run.Destination, "name", run.Name, "bytes", run.Size, "parts", run.Parts, "took", time.Since(started).Round(time.Millisecond).String())
	}
	return run, nil
}

// checkBackup reads every part of the backup name back from the destination and compares
// it with the manifest.
func (a *app) checkBackup(ctx context.Context, name string) error {
	b, err := backup.OpenDest(ctx, a.cfg.backupDest())
	if err != nil {
		return err
	}
	defer b.Close()
	bk, err := backup.Open(ctx, b, name)
	if err != nil {
		return err
	}
	problems, err := bk.Check(ctx)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d parts differ from the manifest, first %s", len(problems), problems[0])
	}
	return nil
}

func (a *app) pruneBackups(ctx context.Context) ([]string, error) {
	b, err := backup.OpenDest(ctx, a.cfg.backupDest())
	if err != nil {
		return nil, err
	}
	defer b.Close()
	return backup.Prune(ctx, b, a.cfg.BackupKeep)
}
