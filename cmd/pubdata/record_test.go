package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/audit"
)

// The tamper suite (issue 14): an attacker with full write access to the database — not to
// the data folder, which holds the key and the checkpoint log — rewrites the record and
// recomputes every hash it can. Each scenario must fail pubdata audit verify, naming the
// first bad event or checkpoint.

// seedTamper records 205 events with a checkpoint every 20 (sizes 20 … 200), leaving 5
// events after the last checkpoint, and returns the size of every checkpoint.
func seedTamper(t *testing.T, s store) {
	t.Helper()
	a := s.open(t)
	ctx := systemContext(context.Background())
	// Opening may record events of its own (the keyring's certificates): the record is
	// filled to 205 events, a checkpoint at every 20th.
	var first int
	if err := s.sqlDB(t).QueryRow("SELECT COUNT(*) FROM audit_events").Scan(&first); err != nil {
		t.Fatal(err)
	}
	for i := first + 1; i <= 205; i++ {
		if err := a.orgs.CreateOrg(ctx, &pubdata.Org{Code: fmt.Sprintf("t-%03d", i), Name: fmt.Sprintf("测试单位%d", i), Kind: pubdata.KindCompany, Division: "350100"}); err != nil {
			t.Fatal(err)
		}
		if i%20 == 0 && i <= 200 {
			if cp, err := a.audit.Checkpoint(ctx); err != nil || cp.Size != int64(i) {
				t.Fatalf("checkpoint at %d: %+v, %v", i, cp, err)
			}
		}
	}
	a.Close()
}

// attacker is the intruder's view of the record: the rows as stored.
type attacker struct {
	t  *testing.T
	s  store
	db *sql.DB
}

type tamperRow struct {
	leaf audit.Leaf
	seal string
}

func (x attacker) exec(q string, args ...any) {
	x.t.Helper()
	if _, err := x.db.Exec(x.s.rebind(q), args...); err != nil {
		x.t.Fatalf("tamper: %v\n%s", err, q)
	}
}

func (x attacker) read() []tamperRow {
	x.t.Helper()
	rows, err := x.db.Query("SELECT seq, time, actor, org, division, action, object, request_id, client_addr, purpose, details, seal FROM audit_events ORDER BY seq")
	if err != nil {
		x.t.Fatal(err)
	}
	defer rows.Close()
	var out []tamperRow
	for rows.Next() {
		var r tamperRow
		l := &r.leaf
		if err := rows.Scan(&l.Seq, &l.Time, &l.Actor, &l.Org, &l.Division, &l.Action, &l.Object, &l.RequestID, &l.ClientAddr, &l.Purpose, &l.Details, &r.seal); err != nil {
			x.t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// rewrite replaces the whole record by rows, recomputing every leaf hash, every root and the
// head's state as the platform would. It cannot compute a seal: each row keeps the seal it
// carries, and the head keeps its own.
func (x attacker) rewrite(rows []tamperRow) {
	x.t.Helper()
	x.exec("DELETE FROM audit_events")
	tree := audit.NewTree()
	for _, r := range rows {
		l := r.leaf
		h := l.Hash()
		root, err := tree.Append(h)
		if err != nil {
			x.t.Fatal(err)
		}
		x.exec(`INSERT INTO audit_events (seq, time, actor, org, division, action, object, request_id, client_addr, purpose, details, leaf_hash, root, seal)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			l.Seq, l.Time, l.Actor, l.Org, l.Division, l.Action, l.Object, l.RequestID, l.ClientAddr, l.Purpose, l.Details, h, root, r.seal)
	}
	x.exec("UPDATE audit_head SET size = ?, state = ? WHERE id = 1", tree.Size(), tree.State())
}

// alter changes the details of the event seq, as an intruder hiding what it records.
func alter(rows []tamperRow, seq int64) []tamperRow {
	rows[seq-1].leaf.Details = `{"name":"改写"}`
	return rows
}

func renumber(rows []tamperRow) []tamperRow {
	for i := range rows {
		rows[i].leaf.Seq = int64(i + 1)
	}
	return rows
}

func TestRecordTamper(t *testing.T) {
	scenarios := []struct {
		name   string
		tamper func(x attacker)
		want   string // in the one line of stderr
	}{
		{"delete the checkpoints from 100 on and alter 150, re-hashed", func(x attacker) {
			x.exec("DELETE FROM audit_checkpoints WHERE size >= 100")
			x.rewrite(alter(x.read(), 150))
		}, "record broken at seq 150:"},
		{"delete every checkpoint and alter 10, re-hashed", func(x attacker) {
			x.exec("DELETE FROM audit_checkpoints")
			x.rewrite(alter(x.read(), 10))
		}, "record broken at seq 10:"},
		{"drop the newest checkpoint and truncate 27 events", func(x attacker) {
			x.exec("DELETE FROM audit_checkpoints WHERE size = 200")
			rows := x.read()
			x.rewrite(rows[:len(rows)-27])
		}, "record broken at seq 179: event 179 is missing: the checkpoint at size 200"},
		{"append a forged event after the last checkpoint", func(x attacker) {
			rows := x.read()
			forged := rows[len(rows)-1]
			forged.leaf.Seq++
			forged.leaf.Object = "org:forged"
			x.rewrite(append(rows, forged))
		}, "record broken at seq 206:"},
		{"edit an event's payload", func(x attacker) {
			x.exec(`UPDATE audit_events SET details = '{"name":"改写"}' WHERE seq = 50`)
		}, "record broken at seq 50: event 50 was altered"},
		{"edit an event and re-hash the whole record, checkpoints kept", func(x attacker) {
			x.rewrite(alter(x.read(), 60))
		}, "record broken at seq 60: event 60 was not written by the platform"},
		{"delete an event in the middle, renumber and re-hash", func(x attacker) {
			rows := x.read()
			x.rewrite(renumber(append(rows[:69:69], rows[70:]...)))
		}, "record broken at seq 70:"},
		{"swap two events and re-hash", func(x attacker) {
			rows := x.read()
			rows[79].leaf, rows[80].leaf = rows[80].leaf, rows[79].leaf
			x.rewrite(renumber(rows))
		}, "record broken at seq 80:"},
		{"replace a checkpoint's signature", func(x attacker) {
			var sig string
			if err := x.db.QueryRow("SELECT signature FROM audit_checkpoints WHERE size = 100").Scan(&sig); err != nil {
				x.t.Fatal(err)
			}
			x.exec("UPDATE audit_checkpoints SET signature = ? WHERE size = 120", sig)
		}, "record broken at checkpoint 120: the checkpoint at size 120 in the database: signature does not verify"},
		{"shorten the checkpoint log", func(x attacker) {
			// Beyond the database: someone with the data folder cuts the log after its 5th line.
			path := filepath.Join(x.s.data, audit.LogFile)
			b, err := os.ReadFile(path)
			if err != nil {
				x.t.Fatal(err)
			}
			lines := strings.SplitAfter(string(b), "\n")
			if err := os.WriteFile(path, []byte(strings.Join(lines[:5], "")), 0o600); err != nil {
				x.t.Fatal(err)
			}
		}, "record broken at checkpoint 120: the checkpoint at size 120 in the database is missing from the checkpoint log"},
		{"delete the events after the last checkpoint and rewrite the head", func(x attacker) {
			rows := x.read()
			x.rewrite(rows[:202])
		}, "record broken at seq 203: event 203 is missing, or the log head was rewritten"},
	}
	forEachStore(t, func(t *testing.T, s0 store) {
		t.Run("untouched", func(t *testing.T) {
			seedTamper(t, s0)
			code, stdout, stderr := runCLI(t, append([]string{"audit", "verify"}, s0.args()...)...)
			if code != 0 || !strings.HasPrefix(stdout, "audit record intact: 205 events, 10 signed checkpoints verified (checkpoint log ") {
				t.Fatalf("exit %d; stdout %q; stderr %q", code, stdout, stderr)
			}
		})
		for _, sc := range scenarios {
			t.Run(sc.name, func(t *testing.T) {
				s := newSQLiteStore(t)
				if s0.name == "postgres" {
					s = newPostgresStore(t)
				}
				seedTamper(t, s)
				sc.tamper(attacker{t: t, s: s, db: s.sqlDB(t)})
				code, stdout, stderr := runCLI(t, append([]string{"audit", "verify"}, s.args()...)...)
				if code != 1 {
					t.Fatalf("exit %d, want 1; stdout %q, stderr %q", code, stdout, stderr)
				}
				assertOneLine(t, stderr, sc.want)
			})
		}
	})
}
