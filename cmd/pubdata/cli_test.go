package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
)

// offlineCommands work without the platform's settings, data folder or database.
var offlineCommands = map[string]bool{"extract verify": true, "audit check": true}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		code, stdout, stderr := runCLI(t, args...)
		if code != 0 || stderr != "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
		for _, cmd := range commands() {
			if !strings.Contains(stdout, cmd.name) {
				t.Errorf("%v: usage does not list %q:\n%s", args, cmd.name, stdout)
			}
		}
	}
	for _, cmd := range commands() {
		for _, args := range [][]string{
			append(strings.Fields(cmd.name), "--help"),
			append(strings.Fields(cmd.name), "-h"),
			append([]string{"help"}, strings.Fields(cmd.name)...),
		} {
			code, stdout, stderr := runCLI(t, args...)
			if code != 0 || stderr != "" {
				t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
			}
			if !strings.HasPrefix(stdout, "Usage: pubdata "+cmd.name) || (!strings.Contains(stdout, "-data") && !offlineCommands[cmd.name]) {
				t.Errorf("%v: help is\n%s", args, stdout)
			}
		}
	}
	code, stdout, _ := runCLI(t, "org", "--help")
	if code != 0 || !strings.Contains(stdout, "pubdata org add") {
		t.Errorf("org --help: exit %d\n%s", code, stdout)
	}
}

func TestUsageErrors(t *testing.T) {
	data := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{nil, "no command"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"org"}, "missing subcommand"},
		{[]string{"org", "remove"}, `unknown command "org remove"`},
		{[]string{"org", "add", "--data", data, "--name", "X", "--kind", "authority", "--division", "350000"}, "--code is required"},
		{[]string{"org", "add", "--data", data, "--code", "x", "--name", "X", "--kind", "ministry", "--division", "350000"}, `--kind "ministry"`},
		{[]string{"org", "add", "--data", data, "--code", "x", "--name", "X", "--kind", "authority"}, "--division is required"},
		{[]string{"org", "add", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"user", "add", "--data", data, "--username", "u1"}, "--password is required"},
		{[]string{"user", "add", "--data", data, "--username", "u1", "--password", "secret123", "--org", "x"}, "--role is required"},
		{[]string{"user", "add", "--data", data, "--username", "u1", "--password", "secret123", "--role", "admin"}, "--role needs --org"},
		{[]string{"user", "add", "--data", data, "--username", "u1", "--password", "secret123", "--org", "x", "--role", "boss"}, `--role "boss"`},
		{[]string{"token", "create", "--data", data}, "--username is required"},
		{[]string{"token", "create", "--data", data, "--username", "u", "--expires", "soon"}, "invalid value"},
		{[]string{"token", "create", "--data", data, "--username", "u", "--expires", "-1h"}, "--expires"},
		{[]string{"audit", "verify", "extra"}, `unexpected argument "extra"`},
		{[]string{"migrate", "--db", "mysql://localhost/x"}, "setting db"},
		{[]string{"serve", "--log-format", "xml"}, "setting log_format"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, tt.args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", tt.args, code, stderr)
			continue
		}
		if stdout != "" {
			t.Errorf("%v: stdout %q, want nothing", tt.args, stdout)
		}
		assertOneLine(t, stderr, tt.want)
	}
}

var tokenPattern = regexp.MustCompile(`^\S{20,}\n$`)

func TestCommands(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		cli := func(args ...string) (int, string, string) {
			t.Helper()
			return runCLI(t, append(args, s.args()...)...)
		}
		mustRun := func(args ...string) string {
			t.Helper()
			code, stdout, stderr := cli(args...)
			if code != 0 {
				t.Fatalf("%v: exit %d, stderr %q", args, code, stderr)
			}
			if stderr != "" {
				t.Errorf("%v: stderr %q, want nothing", args, stderr)
			}
			return stdout
		}

		out := mustRun("migrate")
		if !strings.Contains(out, "up to date") {
			t.Errorf("migrate: %q", out)
		}
		mustRun("migrate") // again: nothing to do, no failure

		out = mustRun("org", "add", "--code", "350000-dsj", "--name", "福建省大数据管理局", "--kind", "authority", "--division", "350000")
		if !strings.Contains(out, "350000-dsj") {
			t.Errorf("org add: %q", out)
		}
		// The division defaults to the parent's.
		mustRun("org", "add", "--code", "350000-gat", "--name", "福建省公安厅", "--kind", "public_body", "--parent", "350000-dsj")

		// Failures that are not usage errors: exit 1, one line.
		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{"org", "add", "--code", "bad-div", "--name", "X", "--kind", "authority", "--division", "999999"}, "999999"},
			{[]string{"org", "add", "--code", "350000-dsj", "--name", "again", "--kind", "authority", "--division", "350000"}, "350000-dsj"},
			{[]string{"org", "add", "--code", "orphan", "--name", "X", "--kind", "public_body", "--parent", "nobody"}, "nobody"},
			{[]string{"user", "add", "--username", "x1", "--password", "long-enough", "--org", "nowhere", "--role", "admin"}, "nowhere"},
			{[]string{"user", "add", "--username", "x2", "--password", "short", "--org", "350000-dsj", "--role", "admin"}, "Password"},
			{[]string{"token", "create", "--username", "ghost"}, `no user "ghost"`},
		} {
			code, stdout, stderr := cli(tt.args...)
			if code != 1 {
				t.Errorf("%v: exit %d, want 1 (stderr %q)", tt.args, code, stderr)
				continue
			}
			if stdout != "" {
				t.Errorf("%v: stdout %q, want nothing", tt.args, stdout)
			}
			assertOneLine(t, stderr, tt.want)
		}

		out = mustRun("user", "add", "--username", "admin1", "--password", "correct horse", "--org", "350000-dsj", "--role", "admin", "--display-name", "管理员")
		if !strings.Contains(out, "admin1") {
			t.Errorf("user add: %q", out)
		}
		code, out, stderr := runCLIInput(t, "from stdin 123\n", append([]string{"user", "add", "--username", "citizen1", "--password", "-"}, s.args()...)...)
		if code != 0 || !strings.Contains(out, "public user citizen1") {
			t.Fatalf("public user add: exit %d, stdout %q, stderr %q", code, out, stderr)
		}
		code, _, stderr = cli("user", "add", "--username", "admin1", "--password", "another one", "--org", "350000-gat", "--role", "member")
		if code != 1 {
			t.Errorf("duplicate user: exit %d, stderr %q", code, stderr)
		}

		// token create prints the token and nothing else; the token authenticates.
		tok := mustRun("token", "create", "--username", "admin1")
		if !tokenPattern.MatchString(tok) {
			t.Fatalf("token create printed %q, want only a token", tok)
		}
		tok2 := mustRun("token", "create", "--username", "citizen1", "--expires", "1h", "--name", "script")
		a := s.open(t)
		ctx := context.Background()
		actor, err := a.tokens.AuthenticateToken(ctx, strings.TrimSpace(tok))
		if err != nil {
			t.Fatalf("authenticate the token: %v", err)
		}
		if actor.Username() != "admin1" || actor.OrgCode() != "350000-dsj" || actor.Role() != pubdata.RoleAdmin {
			t.Errorf("token actor = %s of %s as %s", actor.Username(), actor.OrgCode(), actor.Role())
		}
		if actor, err := a.tokens.AuthenticateToken(ctx, strings.TrimSpace(tok2)); err != nil || actor.Username() != "citizen1" {
			t.Errorf("public user's token: %v, %v", actor, err)
		}
		u, err := a.users.FindUserByUsername(ctx, "citizen1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.users.Authenticate(ctx, "citizen1", "from stdin 123"); err != nil {
			t.Errorf("password read from stdin does not log in: %v", err)
		}
		toks, err := a.tokens.FindTokens(ctx, u.ID)
		if err != nil || len(toks) != 1 || toks[0].Name != "script" || toks[0].ExpiresAt == nil {
			t.Errorf("citizen1's tokens: %+v, %v", toks, err)
		}

		// Every change was recorded, by the system actor.
		events, _, _, err := a.audit.FindEvents(ctx, pubdata.AuditFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]int{}
		for _, e := range events {
			actions[e.Action]++
		}
		for _, want := range []string{"org.create", "user.create", "token.create"} {
			if actions[want] == 0 {
				t.Errorf("no %s event in %v", want, actions)
			}
		}

		out = mustRun("audit", "verify")
		if !strings.Contains(out, "intact") {
			t.Errorf("audit verify: %q", out)
		}
	})
}

// seedRecord makes a store with a few events through the CLI and returns the seq of the
// event recording the creation of user "u2".
func seedRecord(t *testing.T, s store) int64 {
	t.Helper()
	for _, args := range [][]string{
		{"org", "add", "--code", "350000-dsj", "--name", "福建省大数据管理局", "--kind", "authority", "--division", "350000"},
		{"user", "add", "--username", "u1", "--password", "password-1", "--org", "350000-dsj", "--role", "admin"},
		{"user", "add", "--username", "u2", "--password", "password-2", "--org", "350000-dsj", "--role", "editor"},
		{"user", "add", "--username", "u3", "--password", "password-3"},
		{"token", "create", "--username", "u1"},
	} {
		if code, _, stderr := runCLI(t, append(args, s.args()...)...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	db := s.sqlDB(t)
	var seq int64
	if err := db.QueryRow(s.rebind("SELECT seq FROM audit_events WHERE action = ? AND object LIKE ?"), "user.create", "%u2%").Scan(&seq); err != nil {
		t.Fatalf("find the event of u2: %v", err)
	}
	return seq
}

// TestAuditVerify edits, deletes and inserts audit rows directly in the database, as an
// intruder with SQL access would, and checks that audit verify names the first bad seq.
func TestAuditVerify(t *testing.T) {
	forEachStore(t, func(t *testing.T, s0 store) {
		newStore := func(t *testing.T) store {
			if s0.name == "postgres" {
				return newPostgresStore(t)
			}
			return newSQLiteStore(t)
		}
		t.Run("untouched", func(t *testing.T) {
			s := newStore(t)
			seedRecord(t, s)
			code, stdout, stderr := runCLI(t, append([]string{"audit", "verify"}, s.args()...)...)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if !regexp.MustCompile(`^audit record intact: \d+ events, \d+ signed checkpoints verified \(checkpoint log [^)]+\)\n$`).MatchString(stdout) {
				t.Errorf("stdout %q", stdout)
			}
		})
		for _, tt := range []struct {
			name   string
			tamper string // SQL with ? for the seq of u2's event and ? for the last seq
			bad    func(seq, last int64) int64
		}{
			{"altered", `UPDATE audit_events SET details = '{"role":"admin"}' WHERE seq = ? AND seq < ?`,
				func(seq, _ int64) int64 { return seq }},
			{"altered actor", "UPDATE audit_events SET actor = 'mallory' WHERE seq = ? AND seq < ?",
				func(seq, _ int64) int64 { return seq }},
			{"deleted", "DELETE FROM audit_events WHERE seq = ? AND seq < ?",
				func(seq, _ int64) int64 { return seq }},
			{"inserted", `INSERT INTO audit_events (seq, time, actor, org, division, action, object, request_id, client_addr, purpose, details, leaf_hash, root)
				SELECT ? + 1, time, actor, org, division, action, object, request_id, client_addr, purpose, details, leaf_hash, root FROM audit_events WHERE seq = ?`,
				func(_, last int64) int64 { return last + 1 }},
		} {
			t.Run(tt.name, func(t *testing.T) {
				s := newStore(t)
				seq := seedRecord(t, s)
				db := s.sqlDB(t)
				var last int64
				if err := db.QueryRow("SELECT MAX(seq) FROM audit_events").Scan(&last); err != nil {
					t.Fatal(err)
				}
				if seq >= last {
					t.Fatalf("u2's event %d is the last (%d); the seed must record more after it", seq, last)
				}
				args := []any{seq, last}
				if tt.name == "inserted" {
					args = []any{last, seq}
				}
				res, err := db.Exec(s.rebind(tt.tamper), args...)
				if err != nil {
					t.Fatalf("tamper: %v", err)
				}
				if n, _ := res.RowsAffected(); n != 1 {
					t.Fatalf("tamper changed %d rows", n)
				}
				code, stdout, stderr := runCLI(t, append([]string{"audit", "verify"}, s.args()...)...)
				if code != 1 {
					t.Fatalf("exit %d, want 1; stdout %q, stderr %q", code, stdout, stderr)
				}
				assertOneLine(t, stderr, "seq "+strconv.FormatInt(tt.bad(seq, last), 10)+":")
			})
		}
	})
}
