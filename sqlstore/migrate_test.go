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
