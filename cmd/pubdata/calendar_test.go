package main

import (
	"github.com/pubdata/pubdata"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCalendarCommands: calendar import stores a year (a bad file changes nothing and names
// its problem), calendar show lists the years with their source and one year's days, and
// the import is recorded; on both databases.
func TestCalendarCommands(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		dir := t.TempDir()
		write := func(name, body string) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		// A test fixture, not the 2027 notice (not out yet).
		good := write("2027.json", `{"year": 2027, "papers": ["https://www.gov.cn/test-fixture"], "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}`)
		bad := write("bad.json", `{"year": 2027, "days": [{"name": "元旦", "date": "2027-01-05", "isOffDay": false}]}`)

		code, out, stderr := runCLI(t, append([]string{"calendar", "import", bad}, s.args()...)...)
		if code != 1 || out != "" {
			t.Fatalf("bad file: exit %d, stdout %q", code, out)
		}
		assertOneLine(t, stderr, "days[0]: 2027-01-05 is a Tuesday")
		code, out, stderr = runCLI(t, append([]string{"calendar", "show"}, s.args()...)...)
		if code != 0 || strings.Contains(out, "2027") || !strings.Contains(out, "2026  ") || !strings.Contains(out, "built in") {
			t.Fatalf("show before: exit %d %q %q", code, out, stderr)
		}

		code, out, stderr = runCLI(t, append([]string{"calendar", "import", good}, s.args()...)...)
		if code != 0 || !strings.Contains(out, "imported 2027: 1 listed days from https://www.gov.cn/test-fixture") {
			t.Fatalf("import: exit %d %q %q", code, out, stderr)
		}
		code, out, _ = runCLI(t, append([]string{"calendar", "show"}, s.args()...)...)
		if code != 0 || !strings.Contains(out, "imported by the system") {
			t.Fatalf("show after: %q", out)
		}
		code, out, _ = runCLI(t, append([]string{"calendar", "show", "--year", "2027"}, s.args()...)...)
		if code != 0 || !strings.Contains(out, "2027-01-01") || !strings.Contains(out, "元旦") {
			t.Fatalf("show 2027: %q", out)
		}
		code, _, stderr = runCLI(t, append([]string{"calendar", "show", "--year", "2030"}, s.args()...)...)
		if code != 1 {
			t.Fatalf("show 2030: exit %d", code)
		}
		assertOneLine(t, stderr, "no holiday notice for 2030")

		a := s.open(t)
		evs, total, _, err := a.audit.FindEvents(systemContext(t.Context()), pubdata.AuditFilter{Action: "calendar.import", Limit: 10})
		if err != nil || total != 1 || evs[0].Object != "calendar:2027" {
			t.Fatalf("the import's record: %d events, %v", total, err)
		}
	})
}
