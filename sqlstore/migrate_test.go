package sqlstore

import (
	"context"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/locale"
)

// TestMigrateNotificationTexts: notifications written before 0016, with their frozen
// texts, come out of the migration with their key and parameters, and render in either
// language when read.
func TestMigrateNotificationTexts(t *testing.T) {
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": testdb.SQLite, "postgres": testdb.Postgres} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			d, err := Open(ctx, dsn(t), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			if err := d.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			names, _ := fs.Glob(migrations, "migrations/*.sql")
			sort.Strings(names)
			for _, name := range names {
				v, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(name, "migrations/"), "_", 2)[0])
				if v >= 16 {
					break
				}
				if err := d.migrate(ctx, v, name); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			for i, row := range [][]string{
				{"application.approved", `{"entry":"企业登记","until":"2026-12-31"}`, "您对“企业登记”的申请已获批准，可使用至2026-12-31。", "Your application for “企业登记” was approved, for use until 2026-12-31."},
				{"objection.resolved", `{"entry":"企业登记","outcome":"corrected","note":"已核实"}`, "您对“企业登记”记录的异议已处理：已更正。已核实", "Your objection to a record of “企业登记” was answered: corrected. 已核实"},
			} {
				if err := d.Exec(ctx, "INSERT INTO notifications (id, username, nkey, params, text, text_en, link, created_at) VALUES (?, 'han.mei', ?, ?, ?, ?, '/x', ?)",
					"n"+strconv.Itoa(i), row[0], row[1], row[2], row[3], "2026-10-0"+strconv.Itoa(i+1)+"T00:00:00.000000Z"); err != nil {
					t.Fatal(err)
				}
			}
			if err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			user := pubdata.NewContextWithActor(ctx, &pubdata.Actor{User: &pubdata.User{Username: "han.mei"}})
			list, unread, _, err := NewNotificationService(d).FindNotifications(user, false, 10, "")
			if err != nil || len(list) != 2 || unread != 2 {
				t.Fatalf("%d notifications, %d unread: %v", len(list), unread, err)
			}
			want := map[string][2]string{
				"application.approved": {"您对“企业登记”的申请已获批准，可使用至2026-12-31。", "Your application for “企业登记” was approved, for use until 2026-12-31."},
				"objection.resolved":   {"您对“企业登记”记录的异议已处理：已更正。已核实", "Your objection to a record of “企业登记” was answered: corrected. 已核实"},
			}
			for _, n := range list {
				if zh, en := locale.Notice(locale.ZH, n.Key, n.Params), locale.Notice(locale.EN, n.Key, n.Params); zh != want[n.Key][0] || en != want[n.Key][1] {
					t.Errorf("%s: %q / %q", n.Key, zh, en)
				}
			}
		})
	}
}

// TestMigrateCatalogDocno: migration 0027 gives every catalogue row a document number and
// carries the term index over; a later publication takes a number never given before.
func TestMigrateCatalogDocno(t *testing.T) {
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": testdb.SQLite, "postgres": testdb.Postgres} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			d, err := Open(ctx, dsn(t), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			if err := d.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			names, _ := fs.Glob(migrations, "migrations/*.sql")
			sort.Strings(names)
			for _, name := range names {
				v, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(name, "migrations/"), "_", 2)[0])
				if v >= 27 {
					break
				}
				if err := d.migrate(ctx, v, name); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			const at = "2026-10-01T00:00:00.000000Z"
			if err := d.Exec(ctx, "INSERT INTO orgs (id, code, name, kind, division, created_at, updated_at) VALUES ('o1', 'org1', '数据局', 'public_body', '350100', ?, ?)", at, at); err != nil {
				t.Fatal(err)
			}
			want := map[string]int{}
			for i, id := range []string{"e-b", "e-a", "e-c"} {
				n := strconv.Itoa(i)
				if err := d.Exec(ctx, "INSERT INTO entries (id, code, org, status, version, title, division, doc, created_at, updated_at) VALUES (?, ?, 'org1', 'published', 1, ?, '350100', '{}', ?, ?)", id, "c"+n, "标题"+n, at, at); err != nil {
					t.Fatal(err)
				}
				if err := d.Exec(ctx, `INSERT INTO catalog (entry_id, code, org, version, title, category, format, update_cycle, share_class, open_class, division, supplementary, issued, modified)
					VALUES (?, ?, 'org1', 1, ?, '1', 'csv', 'daily', 'unconditional', 'open', '350100', 0, '2026-10-01', ?)`, id, "c"+n, "标题"+n, at); err != nil {
					t.Fatal(err)
				}
				for j, term := range []string{"数据", "标题", "t" + n} {
					want[term+" "+id] = 10*i + j + 1
					if err := d.Exec(ctx, "INSERT INTO catalog_terms (term, entry_id, weight) VALUES (?, ?, ?)", term, id, 10*i+j+1); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			rows, err := d.query(ctx, "SELECT t.term, c.entry_id, t.weight, c.docno FROM catalog_terms t JOIN catalog c ON c.docno = t.docno")
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			docnos := map[int64]string{}
			var maxDocno int64
			for rows.Next() {
				var term, id string
				var w int
				var docno int64
				if err := rows.Scan(&term, &id, &w, &docno); err != nil {
					t.Fatal(err)
				}
				got[term+" "+id] = w
				if other, ok := docnos[docno]; ok && other != id {
					t.Errorf("docno %d of %s and %s", docno, id, other)
				}
				docnos[docno] = id
				maxDocno = max(maxDocno, docno)
			}
			rows.Close()
			if len(got) != len(want) || len(docnos) != 3 {
				t.Fatalf("terms %v, docnos %v", got, docnos)
			}
			for k, w := range want {
				if got[k] != w {
					t.Errorf("%s: weight %d, want %d", k, got[k], w)
				}
			}
			// Republishing an entry gives it a new number, above every number given.
			tx, err := d.begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			e := &pubdata.Entry{ID: "e-a", Code: "c1", Org: "org1", Version: 1, PublishedOn: "2026-10-01",
				EntryFields: pubdata.EntryFields{Title: "标题1", Category: "1", Format: "csv", UpdateCycle: "daily", ShareClass: "unconditional", OpenClass: "open", Division: "350100"}}
			if err := tx.publish(ctx, e); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			var docno int64
			var terms int
			if err := d.queryRow(ctx, "SELECT docno FROM catalog WHERE entry_id = 'e-a'").Scan(&docno); err != nil || docno <= maxDocno {
				t.Fatalf("republished docno %d (max before %d): %v", docno, maxDocno, err)
			}
			if err := d.queryRow(ctx, "SELECT COUNT(*) FROM catalog_terms WHERE docno = ?", docno).Scan(&terms); err != nil || terms == 0 {
				t.Fatalf("%d terms of the republished entry: %v", terms, err)
			}
			if err := d.queryRow(ctx, "SELECT COUNT(*) FROM catalog_terms WHERE term = 't1'").Scan(&terms); err != nil || terms != 0 {
				t.Fatalf("%d terms of the old publication left: %v", terms, err)
			}
		})
	}
}
