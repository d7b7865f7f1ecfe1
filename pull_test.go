package pubdata

import (
	"testing"
	"time"
)

func TestNextPullRun(t *testing.T) {
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		failures int
		interval time.Duration
		want     time.Duration
	}{
		{0, 15 * time.Minute, 15 * time.Minute},
		{1, 15 * time.Minute, time.Minute},
		{2, 15 * time.Minute, 2 * time.Minute},
		{3, 15 * time.Minute, 4 * time.Minute},
		{4, 15 * time.Minute, 8 * time.Minute},
		{5, 15 * time.Minute, 15 * time.Minute}, // capped at the interval
		{50, 15 * time.Minute, 15 * time.Minute},
		{7, 24 * time.Hour, time.Hour}, // capped at an hour
		{0, 24 * time.Hour, 24 * time.Hour},
	} {
		if got := NextPullRun(at, c.failures, c.interval).Sub(at); got != c.want {
			t.Errorf("failures %d interval %v: %v, want %v", c.failures, c.interval, got, c.want)
		}
	}
}

func TestRedactDSN(t *testing.T) {
	for _, c := range []struct{ driver, dsn, want string }{
		{DriverMySQL, "scj:p@ss/w@rd@tcp(10.0.0.1:3306)/reg?parseTime=true", "mysql://scj:***@10.0.0.1:3306/reg"},
		{DriverMySQL, "root@tcp(127.0.0.1:3306)/", "mysql://root@127.0.0.1:3306/"},
		{DriverMySQL, "mysql://u:secret@db.example:3307/x", "mysql://u:***@db.example:3307/x"},
		{DriverPostgres, "postgres://u:secret@h:5432/db?sslmode=require", "postgres://u:***@h:5432/db"},
		{DriverPostgres, "postgresql://h/db", "postgresql://h/db"},
	} {
		got, err := RedactDSN(c.driver, c.dsn)
		if err != nil || got != c.want {
			t.Errorf("%s %q: %q %v, want %q", c.driver, c.dsn, got, err, c.want)
		}
	}
	for _, c := range []struct{ driver, dsn string }{
		{DriverPostgres, "host=h user=u password=p"}, {DriverPostgres, "mysql://u@h/db"}, {DriverMySQL, "postgres://u:p@h/db"},
		{DriverMySQL, "no slash"}, {DriverMySQL, ""}, {"oracle", "x"},
	} {
		if _, err := RedactDSN(c.driver, c.dsn); err == nil {
			t.Errorf("%s %q accepted", c.driver, c.dsn)
		}
	}
}

func TestCheckPullQuery(t *testing.T) {
	for _, q := range []string{
		"SELECT * FROM t", "select a, b from s.t where updated_at > now() - interval '1 day';",
		"WITH x AS (SELECT 1 AS a) SELECT a FROM x", "SELECT 'DELETE; --' AS note FROM t", "SELECT deleted, created_by FROM t",
	} {
		if _, err := CheckPullQuery(q); err != nil {
			t.Errorf("%q: %v", q, err)
		}
	}
	for _, q := range []string{
		"", "UPDATE t SET a = 1", "SELECT 1; SELECT 2", "SELECT * FROM t -- x", "SELECT * FROM t /* x */", "SELECT * FROM t FOR UPDATE",
		"SELECT * INTO x FROM t", "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "SELECT 'unclosed FROM t", "SELECT pg_sleep(100)",
	} {
		if _, err := CheckPullQuery(q); err == nil {
			t.Errorf("%q accepted", q)
		}
	}
}

func TestCanReadPullSources(t *testing.T) {
	e := &Entry{Org: "fz-scj", EntryFields: EntryFields{Division: "350100"}}
	actor := func(org string, kind OrgKind, div string, role Role) *Actor {
		return &Actor{User: &User{Username: "u", Role: role}, Org: &Org{Code: org, Kind: kind, Division: div}}
	}
	for _, c := range []struct {
		a            *Actor
		read, manage bool
	}{
		{actor("fz-scj", KindPublicBody, "350100", RoleEditor), true, true},
		{actor("fz-scj", KindPublicBody, "350100", RoleAdmin), true, true},
		{actor("fz-scj", KindPublicBody, "350100", RoleMember), false, false},
		{actor("fj-dsj", KindAuthority, "350000", RoleReviewer), true, false},
		{actor("xm-dsj", KindAuthority, "350200", RoleAdmin), false, false},
		{actor("fz-gaj", KindPublicBody, "350100", RoleAdmin), false, false},
		{&Actor{}, false, false},
	} {
		if got := CanReadPullSources(c.a, e); got != c.read {
			t.Errorf("%s/%s read: %v", c.a.OrgCode(), c.a.Role(), got)
		}
		if got := CanLoadData(c.a, e.Org); got != c.manage {
			t.Errorf("%s/%s manage: %v", c.a.OrgCode(), c.a.Role(), got)
		}
	}
}
