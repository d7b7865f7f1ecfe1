package main

import (
	"strings"
	"testing"
	"time"
)

// TestClusterSettings: blob, batch_stale_after and pull_check_interval are checked, and
// scheduled backups default to the blob bucket's backups/ prefix.
func TestClusterSettings(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.blobLocation() != c.Data || c.backupDest() != "" {
		t.Errorf("defaults: blob %q, backups %q", c.blobLocation(), c.backupDest())
	}
	c.Blob = "s3://pubdata/fujian?endpoint=http://127.0.0.1:8333&use_path_style=true"
	if got := c.backupDest(); got != "s3://pubdata/fujian/backups?endpoint=http://127.0.0.1:8333&use_path_style=true" {
		t.Errorf("backups default to %q", got)
	}
	c.BackupTo = "/mnt/backups"
	if c.backupDest() != "/mnt/backups" {
		t.Error("backup_to is not kept")
	}
	for _, bad := range []func(*Config){
		func(c *Config) { c.Blob = "ftp://x/y" },
		func(c *Config) { c.Blob = "s3://key:secret@bucket/p" },
		func(c *Config) { c.BatchStaleAfter = time.Second },
		func(c *Config) { c.PullCheckInterval = time.Hour },
	} {
		c := DefaultConfig()
		bad(&c)
		if err := c.Validate(); err == nil || strings.Contains(err.Error(), "secret") {
			t.Errorf("%+v: %v", c, err)
		}
	}
	cf, err := loadWith(t, []string{"--blob", "s3://b/p"}, map[string]string{"PUBDATA_BATCH_STALE_AFTER": "10s", "PUBDATA_PULL_CHECK_INTERVAL": "5s"})
	if err != nil || cf.Blob != "s3://b/p" || cf.BatchStaleAfter != 10*time.Second || cf.PullCheckInterval != 5*time.Second {
		t.Errorf("flags and environment: %+v %v", cf, err)
	}
}
