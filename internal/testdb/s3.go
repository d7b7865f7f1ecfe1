package testdb

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// S3 returns the URL of a fresh prefix in the bucket named by PUBDATA_TEST_S3 (an
// s3://bucket?endpoint=…&region=…&use_path_style=true&disable_https=true URL of an existing
// bucket; the credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), so that tests
// never see each other's objects. .ci/run starts SeaweedFS and sets it. Without it the test
// skips, and fails in CI.
func S3(t testing.TB) string {
	t.Helper()
	base := os.Getenv("PUBDATA_TEST_S3")
	if base == "" {
		missing(t, "PUBDATA_TEST_S3 (an S3 server, e.g. SeaweedFS's weed server -s3)")
	}
	r := make([]byte, 6)
	rand.Read(r)
	prefix := "/t-" + hex.EncodeToString(r)
	if i := strings.Index(base, "?"); i >= 0 {
		return base[:i] + prefix + base[i:]
	}
	return base + prefix
}
