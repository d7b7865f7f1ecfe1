package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/pubdata/pubdata/lib/audit"
	"github.com/pubdata/pubdata/lib/blob"
	"github.com/pubdata/pubdata/sqlstore"
)

// The cluster's settings and wiring (issue 17 item 6; jobs.go is the job queue).

// Defaults of the cluster's settings.
const (
	// DefaultBatchStaleAfter is how long a running batch may go without a heartbeat (written
	// every ninth of it) before another server fails it as interrupted.
	DefaultBatchStaleAfter = 3 * time.Minute
	// DefaultPullCheckInterval is how often the queue's leader looks for due pull sources.
	DefaultPullCheckInterval = 30 * time.Second
)

// validateCluster checks blob, batch_stale_after and pull_check_interval.
func (c *Config) validateCluster() error {
	if b := strings.TrimSpace(c.Blob); b != "" && strings.Contains(b, "://") && !blob.IsS3(b) {
		return fmt.Errorf("setting blob (--blob, PUBDATA_BLOB): %q: give a folder or s3://bucket/prefix?endpoint=…", blob.Redact(b))
	}
	if blob.IsS3(c.Blob) && strings.Contains(strings.SplitN(strings.TrimPrefix(c.Blob, "s3://"), "/", 2)[0], "@") {
		return fmt.Errorf("setting blob (--blob, PUBDATA_BLOB): put no credentials in the URL; use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	if c.BatchStaleAfter < 3*time.Second || c.BatchStaleAfter > time.Hour {
		return fmt.Errorf("setting batch_stale_after (PUBDATA_BATCH_STALE_AFTER): %s must be from 3s to 1h", c.BatchStaleAfter)
	}
	if c.PullCheckInterval < time.Second || c.PullCheckInterval > 10*time.Minute {
		return fmt.Errorf("setting pull_check_interval (PUBDATA_PULL_CHECK_INTERVAL): %s must be from 1s to 10m", c.PullCheckInterval)
	}
	return nil
}

// blobLocation is where the blob store is: the setting, else the data folder.
func (c *Config) blobLocation() string {
	if strings.TrimSpace(c.Blob) != "" {
		return c.Blob
	}
	return c.Data
}

// openBlobs opens the blob store: batch uploads under batches/, file entries' files under
// files/, the checkpoint log under checkpoints/ when the store is a bucket.
func openBlobs(ctx context.Context, cfg *Config) (*blob.Store, error) {
	s, err := blob.Open(ctx, cfg.blobLocation())
	if err != nil {
		return nil, fmt.Errorf("setting blob (--blob, PUBDATA_BLOB): %w", err)
	}
	return s, nil
}

// checkpointLog is the record's checkpoint log: the folder checkpoint_log when set, else the
// blob store's checkpoints/ when it is a bucket (every node appends there), else the data
// folder's checkpoints.log.
func checkpointLog(cfg *Config, blobs *blob.Store) audit.Log {
	if cfg.CheckpointLog == "" && blobs != nil && blobs.Local() == "" {
		sub := blobs.Sub("checkpoints")
		return &audit.BucketLog{Bucket: sub.Bucket(), Where: sub.String()}
	}
	dir := cfg.CheckpointLog
	if dir == "" {
		dir = cfg.Data
	}
	return audit.NewFileLog(filepath.Join(dir, audit.LogFile))
}

// batchStore is the part of the blob store that keeps batches' uploads.
func (a *app) batchStore() *blob.Store { return a.blobs.Sub("batches") }

// fileStore is the part of the blob store that keeps file entries' files.
func (a *app) fileStore() *blob.Dir { return blob.NewDir(a.blobs.Sub("files")) }

// rateCounts is the shared rate counter of a cluster (PostgreSQL); one process (SQLite)
// counts in memory.
func (a *app) rateCounts() *sqlstore.RateCountService {
	if a.db.Dialect() != sqlstore.Postgres {
		return nil
	}
	return sqlstore.NewRateCountService(a.db)
}

// backupDest is where scheduled backups go: backup_to, else, when the blob store is an S3
// bucket, its backups/ prefix (a folder blob store is the data folder itself: no default).
func (c *Config) backupDest() string {
	if strings.TrimSpace(c.BackupTo) != "" || !blob.IsS3(c.Blob) {
		return c.BackupTo
	}
	loc, query, _ := strings.Cut(c.Blob, "?")
	loc = strings.TrimRight(loc, "/") + "/backups"
	if query != "" {
		loc += "?" + query
	}
	return loc
}
