package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/extract"
	"github.com/pubdata/pubdata/sqlstore"
)

const testPassphrase = "correct horse battery staple"

// passFile writes the test passphrase into a file and returns its path.
func passFile(t *testing.T, pass string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "passphrase")
	if err := os.WriteFile(p, []byte(pass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// requirePgTools skips (fails in CI) a PostgreSQL backup test without pg_dump and pg_restore.
func requirePgTools(t *testing.T, s store) {
	t.Helper()
	if s.name != "postgres" {
		return
	}
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			if testdb.InCI() {
				t.Fatalf("%s is required in CI (CI=true): install postgresql-client", tool)
			}
			t.Skipf("%s not on PATH: skipping", tool)
		}
	}
}

// snapshotOf is what the backup must give back identically: the published catalogue, the
// rows of a loaded table, the uploaded files.
type snapshotOf struct {
	Entries []string
	Rows    []string
	Files   map[string]string
}

func takeSnapshot(t *testing.T, a *app) snapshotOf {
	t.Helper()
	ctx := systemContext(context.Background())
	var s snapshotOf
	res, err := a.entries.SearchCatalog(ctx, pubdata.CatalogQuery{Sort: "code", Limit: pubdata.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Items {
		s.Entries = append(s.Entries, fmt.Sprintf("%s %s v%d %s %s", e.ID, e.Code, e.Version, e.Title, e.Status))
	}
	air := publishedByCode(t, a, "204001/00001")
	if _, _, err := a.rows.QueryRows(ctx, air, &pubdata.RowQuery{}, func(v []any) error {
		s.Rows = append(s.Rows, fmt.Sprint(v...))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.Files = map[string]string{}
	entries, err := os.ReadDir(a.fileDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(a.fileDir(), e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		s.Files[e.Name()] = string(b)
	}
	return s
}

// TestBackupRestore backs up a platform while a writer writes, restores it into a fresh
// data folder (and a fresh PostgreSQL database) and checks that the catalogue, a table's
// rows and the uploaded files are identical, the record intact and an extract signed before
// the backup valid.
func TestBackupRestore(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		requirePgTools(t, s)
		ctx := systemContext(context.Background())
		a := s.open(t)
		if err := loadDemo(ctx, a, io.Discard); err != nil {
			t.Fatal(err)
		}
		doc := &extract.Document{Entry: "e1", EntryTitle: "t", Columns: []string{"a"}, Rows: [][]any{{"1"}},
			Requester: extract.Requester{Username: "u"}, Purpose: "p", Time: "2026-01-02T03:04:05Z"}
		signed, err := a.extracts.Sign(context.Background(), doc)
		if err != nil {
			t.Fatal(err)
		}
		extractJSON, _ := json.Marshal(signed)
		extractFile := filepath.Join(t.TempDir(), "extract.json")
		os.WriteFile(extractFile, extractJSON, 0o600)
		before := takeSnapshot(t, a)
		if len(before.Rows) == 0 || len(before.Files) == 0 || len(before.Entries) == 0 {
			t.Fatalf("the demo gave %d entries, %d rows, %d files", len(before.Entries), len(before.Rows), len(before.Files))
		}

		counts, _, err := sqlstore.TableCounts(ctx, s.config().DSN())
		if err != nil {
			t.Fatal(err)
		}
		orgsBefore := counts["orgs"]
		// A writer adds organisations (and their audit events) all through the backup.
		stop, started := make(chan struct{}), make(chan struct{})
		var wg sync.WaitGroup
		var wrote int
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				o := &pubdata.Org{Code: fmt.Sprintf("bk-%d", i), Name: fmt.Sprintf("备份测试 %d", i), Kind: pubdata.KindPublicBody, Division: "350100"}
				if err := a.orgs.CreateOrg(ctx, o); err != nil {
					t.Errorf("writer: %v", err)
					return
				}
				wrote++
				if i == 0 {
					close(started)
				}
			}
		}()
		<-started
		dest := filepath.Join(t.TempDir(), "backups")
		pass := passFile(t, testPassphrase)
		code, stdout, stderr := runCLI(t, append([]string{"backup", "--to", dest, "--passphrase-file", pass}, s.args()...)...)
		close(stop)
		wg.Wait()
		if code != 0 {
			t.Fatalf("backup: exit %d: %s", code, stderr)
		}
		if !strings.Contains(stdout, "backup pubdata-") {
			t.Errorf("backup printed %q", stdout)
		}
		t.Logf("the writer wrote %d organisations during the backup", wrote)

		// Restore into a fresh folder (and database).
		fresh := store{name: s.name, data: filepath.Join(t.TempDir(), "restored")}
		if s.name == "postgres" {
			fresh.dsn = testdb.Postgres(t)
		}
		code, stdout, stderr = runCLI(t, append([]string{"restore", "--from", dest, "--passphrase-file", pass, "--extract", extractFile}, fresh.args()...)...)
		if code != 0 {
			t.Fatalf("restore: exit %d: %s\n%s", code, stderr, stdout)
		}
		for _, want := range []string{"restored backup pubdata-", "audit record intact", "extracts verified with the restored key: 2"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("restore printed %q, want %q", stdout, want)
			}
		}
		if strings.Contains(stdout, "difference") {
			t.Errorf("restore found differences: %s", stdout)
		}
		b := fresh.open(t)
		after := takeSnapshot(t, b)
		if !reflect.DeepEqual(before.Entries, after.Entries) {
			t.Errorf("the catalogue differs after the restore:\nbefore %v\nafter  %v", before.Entries, after.Entries)
		}
		if !reflect.DeepEqual(before.Rows, after.Rows) {
			t.Errorf("the rows of 204001/00001 differ after the restore (%d before, %d after)", len(before.Rows), len(after.Rows))
		}
		if !reflect.DeepEqual(before.Files, after.Files) {
			t.Errorf("the uploaded files differ after the restore: %d before, %d after", len(before.Files), len(after.Files))
		}
		v, err := b.audit.Verify(ctx)
		if err != nil || !v.OK {
			t.Fatalf("audit verify after the restore: %+v, %v", v, err)
		}
		// The restored record holds a consistent prefix of the writer's work: every org the
		// restored database has, its events are there too (audit verify above), and no more
		// than were written.
		restored, _, err := sqlstore.TableCounts(ctx, fresh.config().DSN())
		if err != nil {
			t.Fatal(err)
		}
		if n := restored["orgs"] - orgsBefore; n < 1 || n > int64(wrote) {
			t.Errorf("the restored database has %d of the writer's %d organisations", n, wrote)
		}
		if _, err := b.extracts.Verify(context.Background(), extractJSON); err != nil {
			t.Errorf("the extract signed before the backup does not verify after the restore: %v", err)
		}
		// The check can fail: another platform's key does not verify it.
		other := newSQLiteStore(t).open(t)
		if _, err := other.extracts.Verify(context.Background(), extractJSON); err == nil {
			t.Error("an unrelated platform's key verifies the extract: the check proves nothing")
		}

		// backup verify restores into a scratch place and finds no difference.
		code, stdout, stderr = runCLI(t, append([]string{"backup", "verify", "--from", dest, "--passphrase-file", pass}, s.args()...)...)
		if code != 0 || !strings.Contains(stdout, "audit record intact") || !strings.Contains(stdout, "parts match their checksums") {
			t.Errorf("backup verify: exit %d\n%s%s", code, stdout, stderr)
		}

		// A restore into the non-empty targets is refused.
		code, _, stderr = runCLI(t, append([]string{"restore", "--from", dest, "--passphrase-file", pass}, fresh.args()...)...)
		if code != 1 || !strings.Contains(stderr, "is not empty") {
			t.Errorf("restore into the restored folder: exit %d, %q", code, stderr)
		}
		if s.name == "postgres" {
			// An empty data folder, but the database is the original's.
			code, _, stderr = runCLI(t, "restore", "--from", dest, "--passphrase-file", pass, "--data", filepath.Join(t.TempDir(), "new"), "--db", s.dsn)
			if code != 1 || !strings.Contains(stderr, "database") || !strings.Contains(stderr, "not empty") {
				t.Errorf("restore into a non-empty database: exit %d, %q", code, stderr)
			}
		}
	})
}

// backupParts returns the folder of the only backup under dest.
func onlyBackup(t *testing.T, dest string) string {
	t.Helper()
	entries, err := os.ReadDir(dest)
	if err != nil || len(entries) != 1 {
		t.Fatalf("backups in %s: %v, %v", dest, entries, err)
	}
	return filepath.Join(dest, entries[0].Name())
}

// TestBackupTamper alters each kind of part of a backup (an uploaded file, an encrypted key,
// the database, the manifest) and checks that backup verify reports it and restore refuses
// it, leaving the target empty; and that a wrong passphrase and a missing one are refused.
func TestBackupTamper(t *testing.T) {
	s := newSQLiteStore(t)
	ctx := systemContext(context.Background())
	a := s.open(t)
	if err := a.orgs.CreateOrg(ctx, &pubdata.Org{Code: "t1", Name: "测试局", Kind: pubdata.KindAuthority, Division: "350100"}); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(a.fileDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	blobName := "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03" // sha256("hello\n")
	os.WriteFile(filepath.Join(a.fileDir(), blobName), []byte("hello\n"), 0o600)
	pass := passFile(t, testPassphrase)

	// Without a passphrase nothing is written.
	dest := filepath.Join(t.TempDir(), "b")
	code, _, stderr := runCLI(t, append([]string{"backup", "--to", dest}, s.args()...)...)
	if code != 1 || !strings.Contains(stderr, "passphrase") {
		t.Errorf("backup without a passphrase: exit %d, %q", code, stderr)
	}
	if entries, _ := os.ReadDir(dest); len(entries) > 0 {
		t.Errorf("a backup without a passphrase wrote %d entries", len(entries))
	}
	code, _, stderr = runCLI(t, append([]string{"backup", "--to", dest, "--passphrase-file", passFile(t, "short")}, s.args()...)...)
	if code != 1 || !strings.Contains(stderr, "at least 12") {
		t.Errorf("backup with a short passphrase: exit %d, %q", code, stderr)
	}

	if code, _, stderr := runCLI(t, append([]string{"backup", "--to", dest, "--passphrase-file", pass}, s.args()...)...); code != 0 {
		t.Fatalf("backup: %s", stderr)
	}
	orig := onlyBackup(t, dest)
	// The keys are not in clear in the backup.
	key, _ := os.ReadFile(filepath.Join(s.data, "audit-sm2.pem"))
	stored, err := os.ReadFile(filepath.Join(orig, "secret", "audit-sm2.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored), "PRIVATE KEY") || strings.Contains(string(stored), string(key[40:80])) {
		t.Error("the audit key is stored in clear")
	}

	// A wrong passphrase.
	code, _, stderr = runCLI(t, "restore", "--from", orig, "--passphrase-file", passFile(t, "wrong horse battery staple"), "--data", filepath.Join(t.TempDir(), "w"))
	if code != 1 || !strings.Contains(stderr, "passphrase is wrong") {
		t.Errorf("restore with a wrong passphrase: exit %d, %q", code, stderr)
	}

	for _, tc := range []struct {
		name, part, want string
		alter            func(b []byte) []byte
	}{
		{"uploaded file", "data/files/" + blobName, "data/files/" + blobName, func(b []byte) []byte { b[0] ^= 1; return b }},
		{"encrypted key", "secret/secrets-sm4.key", "secret/secrets-sm4.key", func(b []byte) []byte { b[len(b)-1] ^= 1; return b }},
		{"database", "database", "database", func(b []byte) []byte { return append(b, 0) }},
		{"manifest", "manifest.json", "manifest", func(b []byte) []byte {
			return []byte(strings.Replace(string(b), `"orgs": 1`, `"orgs": 2`, 1))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			copyDest := filepath.Join(t.TempDir(), "copy")
			bdir := filepath.Join(copyDest, filepath.Base(orig))
			if err := os.CopyFS(bdir, os.DirFS(orig)); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(bdir, filepath.FromSlash(tc.part))
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			altered := tc.alter(append([]byte(nil), b...))
			if string(altered) == string(b) {
				t.Fatalf("the alteration of %s changed nothing", tc.part)
			}
			os.WriteFile(p, altered, 0o600)
			code, stdout, stderr := runCLI(t, append([]string{"backup", "verify", "--from", bdir, "--passphrase-file", pass}, s.args()...)...)
			if code != 1 || !strings.Contains(stdout+stderr, tc.want) {
				t.Errorf("backup verify of an altered %s: exit %d\n%s%s", tc.part, code, stdout, stderr)
			}
			target := filepath.Join(t.TempDir(), "target")
			code, _, stderr = runCLI(t, "restore", "--from", bdir, "--passphrase-file", pass, "--data", target)
			if code != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("restore of an altered %s: exit %d, %q", tc.part, code, stderr)
			}
			if entries, _ := os.ReadDir(target); len(entries) > 0 {
				t.Errorf("a refused restore left %d entries in the target", len(entries))
			}
		})
	}

	// A backup whose signature was removed (so that its manifest could be rewritten).
	t.Run("signature removed", func(t *testing.T) {
		bdir := filepath.Join(t.TempDir(), "copy", filepath.Base(orig))
		if err := os.CopyFS(bdir, os.DirFS(orig)); err != nil {
			t.Fatal(err)
		}
		os.Remove(filepath.Join(bdir, "manifest.sig"))
		target := filepath.Join(t.TempDir(), "target")
		code, _, stderr := runCLI(t, "restore", "--from", bdir, "--passphrase-file", pass, "--data", target)
		if code != 1 || !strings.Contains(stderr, "no manifest.sig") {
			t.Errorf("restore without the signature: exit %d, %q", code, stderr)
		}
		if entries, _ := os.ReadDir(target); len(entries) > 0 {
			t.Errorf("a refused restore left %d entries in the target", len(entries))
		}
	})

	// The original backup still restores, and backup verify lists a stray file.
	os.WriteFile(filepath.Join(orig, "stray"), []byte("x"), 0o600)
	code, stdout, _ := runCLI(t, append([]string{"backup", "verify", "--from", orig, "--passphrase-file", pass}, s.args()...)...)
	if code != 1 || !strings.Contains(stdout, "stray: stored but not in the manifest") {
		t.Errorf("backup verify with a stray file: exit %d\n%s", code, stdout)
	}
	os.Remove(filepath.Join(orig, "stray"))
	if code, _, stderr := runCLI(t, "restore", "--from", dest, "--passphrase-file", pass, "--data", filepath.Join(t.TempDir(), "ok")); code != 0 {
		t.Errorf("restore of the untouched backup: %s", stderr)
	}
}
