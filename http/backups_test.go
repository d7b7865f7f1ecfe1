package http

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/sqlstore"
)

// TestConsoleBackups: the platform authority's admin sees the backup schedule and the latest
// runs on /console/backups, in both languages; nobody else may, and a server without the
// service answers 404.
func TestConsoleBackups(t *testing.T) {
	e := newEnv(t)
	admin := e.login(authAdmin)
	if w := e.do(req{path: "/console/backups", cookies: []*http.Cookie{admin}}); w.Code != http.StatusNotFound {
		t.Fatalf("without the service: %d", w.Code)
	}
	svc := sqlstore.NewBackupService(e.db)
	e.srv.Backups = svc

	w := e.do(req{path: "/console/backups?lang=en", cookies: []*http.Cookie{admin}})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Scheduled backups are off") || !strings.Contains(w.Body.String(), "No scheduled backup has run yet") {
		t.Fatalf("no schedule: %d %s", w.Code, w.Body)
	}

	e.srv.Backup = web.BackupSchedule{Destination: "s3://pubdata-backups/fujian", Interval: 24 * time.Hour, Keep: 7}
	run, err := svc.StartBackup(system, "s3://pubdata-backups/fujian", 24*time.Hour)
	if err != nil || run == nil {
		t.Fatalf("start: %v %v", run, err)
	}
	run.Status, run.Name, run.Size, run.Parts, run.Check = pubdata.BackupDone, "pubdata-20260302T010000.000Z", 3<<20, 12, pubdata.BackupCheckOK
	if err := svc.FinishBackup(system, run); err != nil {
		t.Fatal(err)
	}
	w = e.do(req{path: "/console/backups?lang=en", cookies: []*http.Cookie{admin}})
	body := w.Body.String()
	for _, want := range []string{"<code>24h</code>", "s3://pubdata-backups/fujian", "the newest 7 backups", "pubdata-20260302T010000.000Z", "3.0 MiB in 12 parts", "Checksums match", `href="/console/backups"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the English page lacks %q", want)
		}
	}
	w = e.do(req{path: "/console/backups?lang=zh-CN", cookies: []*http.Cookie{admin}})
	body = w.Body.String()
	for _, want := range []string{"备份计划", "最近 7 份备份", "校验值一致", "共 12 个部分"} {
		if !strings.Contains(body, want) {
			t.Errorf("the Chinese page lacks %q", want)
		}
	}

	// A failed check shows as such.
	e.advance(25 * time.Hour)
	run2, err := svc.StartBackup(system, "s3://pubdata-backups/fujian", 24*time.Hour)
	if err != nil || run2 == nil {
		t.Fatalf("second start: %v %v", run2, err)
	}
	run2.Status, run2.Name, run2.Check, run2.Problem = pubdata.BackupDone, "pubdata-20260303T010000.000Z", pubdata.BackupCheckFailed, "data/files/ab: SHA-256 differs"
	if err := svc.FinishBackup(system, run2); err != nil {
		t.Fatal(err)
	}
	admin = e.login(authAdmin) // the session of a day ago has expired
	w = e.do(req{path: "/console/backups?lang=en", cookies: []*http.Cookie{admin}})
	if body := w.Body.String(); !strings.Contains(body, "Check failed") || !strings.Contains(body, "SHA-256 differs") {
		t.Errorf("a failed check is not shown:\n%s", body)
	}

	for _, who := range []string{authReviewer, authMember, cityAdmin, pbAdmin} {
		c := e.login(who)
		if w := e.do(req{path: "/console/backups", cookies: []*http.Cookie{c}}); w.Code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", who, w.Code)
		}
		if w := e.do(req{path: "/console", cookies: []*http.Cookie{c}}); strings.Contains(w.Body.String(), `href="/console/backups"`) {
			t.Errorf("%s sees the backups in the navigation", who)
		}
	}
	if w := e.do(req{path: "/console/backups"}); w.Code != http.StatusSeeOther && w.Code != http.StatusFound && w.Code != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", w.Code)
	}
}
