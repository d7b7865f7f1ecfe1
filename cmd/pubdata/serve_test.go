package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

// startServe runs "pubdata serve" in the background on a free port and returns its URL and a
// function that stops it (as SIGINT would) and returns the exit status and output.
func startServe(t *testing.T, args ...string) (string, func() (int, string, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), strings.NewReader(""), &stdout, &stderr)
	}()
	urlRE := regexp.MustCompile(`serving on (http://\S+) `)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := urlRE.FindStringSubmatch(stdout.String()); m != nil {
			stopped := false
			stop := func() (int, string, string) {
				if !stopped {
					stopped = true
					cancel()
				}
				select {
				case code := <-done:
					done <- code
					return code, stdout.String(), stderr.String()
				case <-time.After(30 * time.Second):
					t.Fatal("serve did not stop within 30s of cancellation")
				}
				return 0, "", ""
			}
			t.Cleanup(func() { stop() })
			return m[1], stop
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("serve exited with %d before serving; stdout %q, stderr %q", code, stdout.String(), stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not print its URL within 60s; stdout %q, stderr %q", stdout.String(), stderr.String())
		}
	}
}

func get(t *testing.T, url, bearer string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestServe runs the server with the demo twice on the same store, uses a CLI token against
// it, and checks the graceful shutdown and the checkpoints.
func TestServe(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		url, stop := startServe(t, append([]string{"--demo", "--checkpoint-interval", "200ms"}, s.args()...)...)
		if code, body := get(t, url+"/healthz", ""); code != 200 || !strings.Contains(body, `"ok"`) {
			t.Errorf("/healthz: %d %s", code, body)
		}
		if code, body := get(t, url+"/readyz", ""); code != 200 {
			t.Errorf("/readyz: %d %s", code, body)
		}

		// The CLI works beside the running server (SQLite: WAL and a busy timeout).
		code, tok, stderr := runCLI(t, append([]string{"token", "create", "--username", "fj-admin"}, s.args()...)...)
		if code != 0 {
			t.Fatalf("token create beside the server: exit %d: %s", code, stderr)
		}
		code, body := get(t, url+"/api/v1/me", strings.TrimSpace(tok))
		if code != 200 {
			t.Fatalf("/api/v1/me with the CLI token: %d %s", code, body)
		}
		var me struct {
			Username string `json:"username"`
			Role     string `json:"role"`
			Org      struct{ Code, Kind string }
		}
		if err := json.Unmarshal([]byte(body), &me); err != nil {
			t.Fatalf("/api/v1/me: %v: %s", err, body)
		}
		if me.Username != "fj-admin" || me.Role != "admin" || me.Org.Code != "350000-dsj" || me.Org.Kind != "authority" {
			t.Errorf("/api/v1/me = %+v", me)
		}
		if code, _ := get(t, url+"/api/v1/me", "not-a-token"); code != 401 {
			t.Errorf("/api/v1/me with a bad token: %d, want 401", code)
		}

		time.Sleep(500 * time.Millisecond) // a few checkpoint ticks
		code, stdout, stderr := stop()
		if code != 0 {
			t.Fatalf("serve exit %d; stderr %q", code, stderr)
		}
		for _, want := range []string{"fj-admin", "scjg-reviewer", "citizen", DemoPassword, "福建省大数据管理局"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("demo logins do not show %q:\n%s", want, stdout)
			}
		}

		// Again: the demo is there already; nothing is duplicated and nothing fails.
		url, stop = startServe(t, append([]string{"--demo"}, s.args()...)...)
		if code, body := get(t, url+"/healthz", ""); code != 200 {
			t.Errorf("/healthz after restart: %d %s", code, body)
		}
		if code, _, stderr := stop(); code != 0 {
			t.Fatalf("second serve exit %d; stderr %q", code, stderr)
		}

		a := s.open(t)
		ctx := context.Background()
		_, total, _, err := a.orgs.FindOrgs(ctx, pubdata.OrgFilter{Limit: 1000})
		if err != nil || total != len(demoOrgs) {
			t.Errorf("after two demo loads: %d organisations (%v), want %d", total, err, len(demoOrgs))
		}
		// The final checkpoint on shutdown covers the whole record.
		v, err := a.audit.Verify(ctx)
		if err != nil || !v.OK {
			t.Fatalf("verify after serve: %+v, %v", v, err)
		}
		if v.Checkpoints == 0 {
			t.Errorf("no checkpoint signed: %+v", v)
		}
		cp, err := a.audit.Checkpoint(ctx)
		if err != nil || cp == nil || cp.Size != v.Events {
			t.Errorf("last checkpoint %+v (%v) does not cover all %d events", cp, err, v.Events)
		}
	})
}

func TestServeAddressInUse(t *testing.T) {
	s := newSQLiteStore(t)
	url, _ := startServe(t, s.args()...)
	addr := strings.TrimPrefix(url, "http://")
	code, _, stderr := runCLI(t, append([]string{"serve", "--addr", addr}, s.args()...)...)
	if code != 1 {
		t.Fatalf("second serve on %s: exit %d, want 1", addr, code)
	}
	assertOneLine(t, stderr, "listen on "+addr)
}

func TestDemoIdempotent(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		a := s.open(t)
		ctx := systemContext(context.Background())
		first, err := createDemo(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if first.OrgsCreated != len(demoOrgs) || first.UsersCreated != len(demoUsers) {
			t.Errorf("first load: %+v", first)
		}
		events, _, _, err := a.audit.FindEvents(ctx, pubdata.AuditFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) < len(demoOrgs)+len(demoUsers) {
			t.Errorf("%d events for %d orgs and %d users", len(events), len(demoOrgs), len(demoUsers))
		}
		var out strings.Builder
		if err := loadDemo(ctx, a, &out); err != nil {
			t.Fatal(err)
		}
		second, err := createDemo(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if second.OrgsCreated != 0 || second.UsersCreated != 0 ||
			second.OrgsExisting != len(demoOrgs) || second.UsersExisting != len(demoUsers) {
			t.Errorf("second load: %+v", second)
		}
		again, _, _, _ := a.audit.FindEvents(ctx, pubdata.AuditFilter{Limit: 1000})
		if len(again) != len(events) {
			t.Errorf("reloading wrote %d events", len(again)-len(events))
		}

		// The demo is what the regulations' province looks like: an authority, a city
		// authority, six or more departments with real division codes, one user per role.
		kinds := map[pubdata.OrgKind]int{}
		for _, o := range demoOrgs {
			got, err := a.orgs.FindOrgByCode(ctx, o.Code)
			if err != nil {
				t.Fatalf("%s: %v", o.Code, err)
			}
			if _, ok := a.divisions.Lookup(got.Division); !ok {
				t.Errorf("%s: division %s not in GB/T 2260", o.Code, got.Division)
			}
			kinds[got.Kind]++
		}
		if kinds[pubdata.KindAuthority] < 2 || kinds[pubdata.KindPublicBody] < 6 || kinds[pubdata.KindCompany] < 1 {
			t.Errorf("demo organisations by kind: %v", kinds)
		}
		for _, org := range []string{"350000-dsj", "350000-scjgj"} {
			roles := map[pubdata.Role]bool{}
			for _, u := range demoUsers {
				if u.OrgCode == org {
					roles[u.Role] = true
				}
			}
			if len(roles) != len(pubdata.Roles) {
				t.Errorf("%s has roles %v, want all of %v", org, roles, pubdata.Roles)
			}
		}
		for _, u := range demoUsers {
			got, err := a.users.Authenticate(ctx, u.Username, DemoPassword)
			if err != nil {
				t.Errorf("demo login %s: %v", u.Username, err)
				continue
			}
			if got.OrgCode != u.OrgCode || got.Role != u.Role {
				t.Errorf("%s is %s of %q, want %s of %q", u.Username, got.Role, got.OrgCode, u.Role, u.OrgCode)
			}
		}
		for _, u := range demoUsers {
			if !strings.Contains(out.String(), u.Username) {
				t.Errorf("logins do not show %s:\n%s", u.Username, out.String())
			}
		}
	})
}
