package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAnotherAuditKeyRefused: a second server (here a command) on the same database whose
// data folder has another audit key refuses to write, instead of sealing events and signing
// checkpoints no other server verifies; with the platform's audit-sm2.pem it works and the
// record stays intact.
func TestAnotherAuditKeyRefused(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "shared.db")
	nodeA, nodeB := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	logDir := filepath.Join(dir, "log")
	os.MkdirAll(logDir, 0o700)
	t.Setenv("PUBDATA_CHECKPOINT_LOG", logDir)
	if code, _, stderr := runCLI(t, "org", "add", "--code", "k1", "--name", "甲局", "--kind", "authority", "--division", "350000", "--data", nodeA, "--db", db); code != 0 {
		t.Fatalf("org add on node A: %s", stderr)
	}
	code, _, stderr := runCLI(t, "org", "add", "--code", "k2", "--name", "乙局", "--kind", "authority", "--division", "350100", "--data", nodeB, "--db", db)
	if code != 1 || !strings.Contains(stderr, "audit-sm2.pem") || !strings.Contains(stderr, "nothing was written") {
		t.Fatalf("org add with another audit key: exit %d, %q", code, stderr)
	}
	key, err := os.ReadFile(filepath.Join(nodeA, "audit-sm2.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nodeB, "audit-sm2.pem"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "org", "add", "--code", "k2", "--name", "乙局", "--kind", "authority", "--division", "350100", "--data", nodeB, "--db", db); code != 0 {
		t.Fatalf("org add with the platform's key: %s", stderr)
	}
	if code, stdout, stderr := runCLI(t, "audit", "verify", "--data", nodeA, "--db", db); code != 0 || !strings.Contains(stdout, "intact") {
		t.Fatalf("audit verify: exit %d\n%s%s", code, stdout, stderr)
	}
}
