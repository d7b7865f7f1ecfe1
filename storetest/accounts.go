package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

func testOrgs(t *testing.T, s *Store) {
	province(t, s)
	o, err := s.Orgs.FindOrgByCode(system, "fz-dsj")
	if err != nil {
		t.Fatal(err)
	}
	if o.Name != "福州市大数据管理局" || o.Kind != pubdata.KindAuthority || o.Division != "350100" || o.Parent != "fj-dsj" || o.ID == "" || o.CreatedAt.IsZero() {
		t.Fatalf("FindOrgByCode = %+v", o)
	}
	_, err = s.Orgs.FindOrgByCode(system, "nope")
	wantCode(t, err, pubdata.ENOTFOUND)

	err = s.Orgs.CreateOrg(system, &pubdata.Org{Code: "fj-gat", Name: "again", Kind: pubdata.KindPublicBody, Division: "350000"})
	wantCode(t, err, pubdata.ECONFLICT)

	orgs, total, _, err := s.Orgs.FindOrgs(system, pubdata.OrgFilter{DivisionPrefix: "3501"})
	if err != nil || total != 2 || len(orgs) != 2 || orgs[0].Code != "fz-dsj" || orgs[1].Code != "fz-scj" {
		t.Fatalf("FindOrgs(3501) = %v %d %v", orgs, total, err)
	}
	orgs, total, _, _ = s.Orgs.FindOrgs(system, pubdata.OrgFilter{Kind: pubdata.KindAuthority})
	if total != 2 || len(orgs) != 2 {
		t.Fatalf("FindOrgs(authority) total %d", total)
	}
	_, total, _, _ = s.Orgs.FindOrgs(system, pubdata.OrgFilter{Q: "市场监督"})
	if total != 2 {
		t.Fatalf("FindOrgs(q=市场监督) total %d, want 2", total)
	}
	_, total, _, _ = s.Orgs.FindOrgs(system, pubdata.OrgFilter{Q: "FZ-"})
	if total != 2 {
		t.Fatalf("FindOrgs(q=FZ-) total %d, want 2 (case-insensitive)", total)
	}
	// LIKE wildcards in input are literal.
	_, total, _, _ = s.Orgs.FindOrgs(system, pubdata.OrgFilter{Q: "%"})
	if total != 0 {
		t.Fatalf("FindOrgs(q=%%) total %d, want 0", total)
	}
	_, total, _, _ = s.Orgs.FindOrgs(system, pubdata.OrgFilter{Parent: "fj-dsj"})
	if total != 1 {
		t.Fatalf("FindOrgs(parent) total %d", total)
	}
}

func testOrgValidation(t *testing.T, s *Store) {
	mustOrg(t, s, "fj-dsj", "福建省大数据管理局", pubdata.KindAuthority, "350000", "")
	for _, tc := range []struct {
		o    pubdata.Org
		want string
	}{
		{pubdata.Org{Name: "x", Kind: pubdata.KindAuthority, Division: "350000"}, "code is required"},
		{pubdata.Org{Code: "a b", Name: "x", Kind: pubdata.KindAuthority, Division: "350000"}, "must be 1-64"},
		{pubdata.Org{Code: "a", Kind: pubdata.KindAuthority, Division: "350000"}, "name is required"},
		{pubdata.Org{Code: "a", Name: "x", Kind: "ministry", Division: "350000"}, "kind \"ministry\""},
		{pubdata.Org{Code: "a", Name: "x", Kind: pubdata.KindCompany, Division: "35"}, "six digits"},
		{pubdata.Org{Code: "a", Name: "x", Kind: pubdata.KindCompany, Division: "359999"}, "not in GB/T 2260"},
		{pubdata.Org{Code: "a", Name: "x", Kind: pubdata.KindCompany, Division: "350000", Parent: "ghost"}, "Parent organisation \"ghost\""},
	} {
		o := tc.o
		err := s.Orgs.CreateOrg(system, &o)
		wantCode(t, err, pubdata.EINVALID)
		if !strings.Contains(pubdata.ErrorMessage(err), tc.want) {
			t.Errorf("CreateOrg(%+v) message %q, want it to contain %q", tc.o, pubdata.ErrorMessage(err), tc.want)
		}
	}
	// Nothing was half-written.
	if _, total, _, _ := s.Orgs.FindOrgs(system, pubdata.OrgFilter{}); total != 1 {
		t.Fatalf("%d organisations after rejected creates, want 1", total)
	}
	if _, total, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{}); total != 1 {
		t.Fatalf("%d audit events after rejected creates, want 1", total)
	}
}

func testOrgPaging(t *testing.T, s *Store) {
	for i := 0; i < 7; i++ {
		mustOrg(t, s, fmt.Sprintf("org-%02d", i), fmt.Sprintf("单位%d", i), pubdata.KindPublicBody, "350100", "")
	}
	var seen []string
	cursor := ""
	for pages := 0; ; pages++ {
		orgs, total, next, err := s.Orgs.FindOrgs(system, pubdata.OrgFilter{Limit: 3, Cursor: cursor})
		if err != nil || total != 7 {
			t.Fatalf("page %d: total %d err %v", pages, total, err)
		}
		for _, o := range orgs {
			seen = append(seen, o.Code)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if strings.Join(seen, ",") != "org-00,org-01,org-02,org-03,org-04,org-05,org-06" {
		t.Fatalf("paged through %v", seen)
	}
	_, _, _, err := s.Orgs.FindOrgs(system, pubdata.OrgFilter{Limit: 1001})
	wantCode(t, err, pubdata.EINVALID)
	_, _, _, err = s.Orgs.FindOrgs(system, pubdata.OrgFilter{Cursor: "zz"})
	wantCode(t, err, pubdata.EINVALID)
}

func testUsers(t *testing.T, s *Store) {
	province(t, s)
	u := mustUser(t, s, "alice", "fj-dsj", pubdata.RoleAdmin)
	if u.ID == "" || u.OrgCode != "fj-dsj" || u.Role != pubdata.RoleAdmin {
		t.Fatalf("CreateUser = %+v", u)
	}
	got, err := s.Users.FindUserByUsername(system, "alice")
	if err != nil || got.ID != u.ID {
		t.Fatalf("FindUserByUsername = %+v, %v", got, err)
	}
	if got, err = s.Users.FindUserByID(system, u.ID); err != nil || got.Username != "alice" {
		t.Fatalf("FindUserByID = %+v, %v", got, err)
	}
	_, err = s.Users.FindUserByUsername(system, "bob")
	wantCode(t, err, pubdata.ENOTFOUND)

	pub, err := s.Users.CreateUser(system, &pubdata.UserCreate{Username: "citizen", Password: "a long password"})
	if err != nil || pub.OrgCode != "" || pub.Role != "" {
		t.Fatalf("public user = %+v, %v", pub, err)
	}
	for _, tc := range []struct {
		u    pubdata.UserCreate
		code string
	}{
		{pubdata.UserCreate{Username: "alice", Password: "password1"}, pubdata.ECONFLICT},
		{pubdata.UserCreate{Username: "x", Password: "password1"}, pubdata.EINVALID},
		{pubdata.UserCreate{Username: "carol", Password: "short"}, pubdata.EINVALID},
		{pubdata.UserCreate{Username: "carol", Password: "password1", OrgCode: "ghost", Role: pubdata.RoleMember}, pubdata.EINVALID},
		{pubdata.UserCreate{Username: "carol", Password: "password1", OrgCode: "fj-gat", Role: "boss"}, pubdata.EINVALID},
		{pubdata.UserCreate{Username: "carol", Password: "password1", Role: pubdata.RoleAdmin}, pubdata.EINVALID},
	} {
		u := tc.u
		_, err := s.Users.CreateUser(system, &u)
		wantCode(t, err, tc.code)
	}
	users, total, _, err := s.Users.FindUsers(system, pubdata.UserFilter{})
	if err != nil || total != 2 || users[0].Username != "alice" || users[1].Username != "citizen" {
		t.Fatalf("FindUsers = %v %d %v", users, total, err)
	}
}

func testUserScope(t *testing.T, s *Store) {
	province(t, s)
	mustUser(t, s, "prov-admin", "fj-dsj", pubdata.RoleAdmin)
	mustUser(t, s, "fz-admin", "fz-dsj", pubdata.RoleAdmin)
	mustUser(t, s, "fz-editor", "fz-scj", pubdata.RoleEditor)
	mustUser(t, s, "xm-editor", "xm-scj", pubdata.RoleEditor)
	mustUser(t, s, "citizen", "", "")
	names := func(f pubdata.UserFilter) string {
		us, total, _, err := s.Users.FindUsers(system, f)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, u := range us {
			n = append(n, u.Username)
		}
		if total != len(us) {
			t.Fatalf("total %d, %d items", total, len(us))
		}
		return strings.Join(n, ",")
	}
	for _, tc := range []struct {
		f    pubdata.UserFilter
		want string
	}{
		{pubdata.UserFilter{DivisionPrefix: "3501"}, "fz-admin,fz-editor"},
		{pubdata.UserFilter{DivisionPrefix: "35", IncludePublic: true}, "citizen,fz-admin,fz-editor,prov-admin,xm-editor"},
		{pubdata.UserFilter{OrgCode: "xm-scj"}, "xm-editor"},
		{pubdata.UserFilter{Public: true}, "citizen"},
		{pubdata.UserFilter{Username: "fz-admin"}, "fz-admin"},
	} {
		if got := names(tc.f); got != tc.want {
			t.Errorf("FindUsers(%+v) = %s, want %s", tc.f, got, tc.want)
		}
	}
}

func testAuthenticate(t *testing.T, s *Store) {
	province(t, s)
	mustUser(t, s, "alice", "fj-gat", pubdata.RoleEditor)
	u, err := s.Users.Authenticate(system, "alice", "password-alice")
	if err != nil || u.Username != "alice" {
		t.Fatalf("Authenticate = %v, %v", u, err)
	}
	_, err = s.Users.Authenticate(system, "alice", "wrong password")
	wantCode(t, err, pubdata.EUNAUTHORIZED)
	_, err = s.Users.Authenticate(system, "nobody", "password-alice")
	wantCode(t, err, pubdata.EUNAUTHORIZED)
	evs, _, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "user:alice"})
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, ",") != "user.login_failed,user.login,user.create" {
		t.Fatalf("events on user:alice = %v", actions)
	}
	if evs[1].Actor != "alice" || evs[1].Org != "fj-gat" || evs[1].Division != "350000" {
		t.Fatalf("login event = %+v; want the user's own actor, org and division", evs[1])
	}
}

// testLockout: failures never lock an account (a stranger could lock its owner out; the
// web layer throttles per account and address); they are recorded.
func testLockout(t *testing.T, s *Store) {
	mustUser(t, s, "alice", "", "")
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	s.SetNow(now)
	for i := 0; i < pubdata.MaxFailedLogins*3; i++ {
		_, err := s.Users.Authenticate(system, "alice", "wrong password")
		wantCode(t, err, pubdata.EUNAUTHORIZED)
		if strings.Contains(pubdata.ErrorMessage(err), "locked") {
			t.Fatalf("failure %d says the account is locked: %q", i+1, pubdata.ErrorMessage(err))
		}
	}
	if u, _ := s.Users.FindUserByUsername(system, "alice"); u.LockedUntil != nil {
		t.Fatalf("after %d failures: locked until %v", pubdata.MaxFailedLogins*3, u.LockedUntil)
	}
	// The owner signs in at once.
	if _, err := s.Users.Authenticate(system, "alice", "password-alice"); err != nil {
		t.Fatalf("the owner after a stranger's failures: %v", err)
	}
	// An unknown account fails the same way.
	_, err := s.Users.Authenticate(system, "nobody", "wrong password")
	wantCode(t, err, pubdata.EUNAUTHORIZED)
}

func testTokens(t *testing.T, s *Store) {
	province(t, s)
	alice := mustUser(t, s, "alice", "fj-gat", pubdata.RoleEditor)
	bob := mustUser(t, s, "bob", "", "")
	tok, sec, err := s.Tokens.CreateToken(system, alice.ID, "ci", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sec, "pdt_") || len(sec) < 40 || !strings.HasPrefix(sec, tok.Prefix) || tok.ExpiresAt == nil {
		t.Fatalf("token %+v secret %q", tok, sec)
	}
	a, err := s.Tokens.AuthenticateToken(system, sec)
	if err != nil || a.User.Username != "alice" || a.Org == nil || a.Org.Code != "fj-gat" {
		t.Fatalf("AuthenticateToken = %+v, %v", a, err)
	}
	toks, err := s.Tokens.FindTokens(system, alice.ID)
	if err != nil || len(toks) != 1 || toks[0].LastUsedAt == nil {
		t.Fatalf("FindTokens = %v, %v (last used must be set)", toks, err)
	}
	for _, bad := range []string{"", "pdt_", sec + "x", strings.TrimPrefix(sec, "pdt_")} {
		_, err := s.Tokens.AuthenticateToken(system, bad)
		wantCode(t, err, pubdata.EUNAUTHORIZED)
	}
	// Only the owner can revoke.
	wantCode(t, s.Tokens.RevokeToken(system, bob.ID, tok.ID), pubdata.ENOTFOUND)
	if err := s.Tokens.RevokeToken(system, alice.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Tokens.AuthenticateToken(system, sec)
	wantCode(t, err, pubdata.EUNAUTHORIZED)
	toks, _ = s.Tokens.FindTokens(system, alice.ID)
	if toks[0].RevokedAt == nil {
		t.Fatal("revoked token has no RevokedAt")
	}
	_, _, err = s.Tokens.CreateToken(system, alice.ID, "x", time.Second)
	wantCode(t, err, pubdata.EINVALID)
	_, _, err = s.Tokens.CreateToken(system, alice.ID, "x", 10*365*24*time.Hour)
	wantCode(t, err, pubdata.EINVALID)
	_, _, err = s.Tokens.CreateToken(system, "ghost", "x", 0)
	wantCode(t, err, pubdata.ENOTFOUND)
	// A public user's token authenticates with no organisation.
	_, bsec, _ := s.Tokens.CreateToken(system, bob.ID, "", time.Hour)
	if a, err := s.Tokens.AuthenticateToken(system, bsec); err != nil || a.Org != nil {
		t.Fatalf("public user's token: %+v %v", a, err)
	}
	evs, _, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "token:" + tok.ID})
	if len(evs) != 2 || evs[0].Action != "token.revoke" || evs[1].Action != "token.create" {
		t.Fatalf("token events %+v", evs)
	}
	if strings.Contains(fmt.Sprint(evs[1].Details), sec) {
		t.Fatal("the audit record holds the token secret")
	}
}

func testTokenExpiry(t *testing.T, s *Store) {
	alice := mustUser(t, s, "alice", "", "")
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	s.SetNow(now)
	_, sec, err := s.Tokens.CreateToken(system, alice.ID, "short", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	s.SetNow(now.Add(59 * time.Minute))
	if _, err := s.Tokens.AuthenticateToken(system, sec); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	s.SetNow(now.Add(time.Hour))
	_, err = s.Tokens.AuthenticateToken(system, sec)
	wantCode(t, err, pubdata.EUNAUTHORIZED)
}

func testSessions(t *testing.T, s *Store) {
	province(t, s)
	alice := mustUser(t, s, "alice", "fz-scj", pubdata.RoleMember)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	s.SetNow(now)
	sec, err := s.Tokens.CreateSession(system, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Tokens.AuthenticateSession(system, sec)
	if err != nil || a.User.Username != "alice" || a.Org.Code != "fz-scj" {
		t.Fatalf("AuthenticateSession = %+v, %v", a, err)
	}
	s.SetNow(now.Add(pubdata.SessionLifetime))
	_, err = s.Tokens.AuthenticateSession(system, sec)
	wantCode(t, err, pubdata.EUNAUTHORIZED)
	s.SetNow(now)
	if err := s.Tokens.DeleteSession(as(a, "r1"), sec); err != nil {
		t.Fatal(err)
	}
	_, err = s.Tokens.AuthenticateSession(system, sec)
	wantCode(t, err, pubdata.EUNAUTHORIZED)
	if err := s.Tokens.DeleteSession(system, "unknown"); err != nil {
		t.Fatalf("DeleteSession(unknown) = %v", err)
	}
	evs, _, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: "user.logout"})
	if len(evs) != 1 || evs[0].Actor != "alice" || evs[0].RequestID != "r1" {
		t.Fatalf("logout events %+v", evs)
	}
}
