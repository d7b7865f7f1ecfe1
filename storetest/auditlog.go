package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/audit"
)

func authorityAdmin(t *testing.T, s *Store, org string) *pubdata.Actor {
	u := mustUser(t, s, org+"-admin", org, pubdata.RoleAdmin)
	o, err := s.Orgs.FindOrgByCode(system, org)
	if err != nil {
		t.Fatal(err)
	}
	return &pubdata.Actor{User: u, Org: o}
}

func testAuditEvents(t *testing.T, s *Store) {
	province(t, s)
	admin := authorityAdmin(t, s, "fj-dsj")
	ctx := as(admin, "req-42")
	if err := s.Orgs.CreateOrg(ctx, &pubdata.Org{Code: "fj-wjw", Name: "福建省卫生健康委员会", Kind: pubdata.KindPublicBody, Division: "350000"}); err != nil {
		t.Fatal(err)
	}
	evs, total, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Limit: 1})
	if err != nil || len(evs) != 1 || total != 7 {
		t.Fatalf("FindEvents = %d events, total %d, %v", len(evs), total, err)
	}
	e := evs[0]
	if e.Seq != 7 || e.Action != "org.create" || e.Object != "org:fj-wjw" || e.Actor != "fj-dsj-admin" || e.Org != "fj-dsj" ||
		e.Division != "350000" || e.RequestID != "req-42" || e.ClientAddr != "192.0.2.7" || e.Purpose != "testing" ||
		e.Details["name"] != "福建省卫生健康委员会" || e.Time.IsZero() || len(e.LeafHash) != 64 || len(e.Root) != 64 {
		t.Fatalf("event = %+v", e)
	}
	// Newest first, paging by cursor, filters.
	var seqs []int64
	cursor := ""
	for {
		evs, _, next, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			seqs = append(seqs, e.Seq)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seqs) != 7 || seqs[0] != 7 || seqs[6] != 1 {
		t.Fatalf("paged seqs %v", seqs)
	}
	evs, total, _, _ = s.Audit.FindEvents(system, pubdata.AuditFilter{Actor: "fj-dsj-admin"})
	if total != 1 || evs[0].Seq != 7 {
		t.Fatalf("by actor: %d", total)
	}
	_, total, _, _ = s.Audit.FindEvents(system, pubdata.AuditFilter{Action: "user.create"})
	if total != 1 {
		t.Fatalf("by action: %d", total)
	}
	_, _, _, err = s.Audit.FindEvents(system, pubdata.AuditFilter{Cursor: "x"})
	wantCode(t, err, pubdata.EINVALID)
}

func testAuditScope(t *testing.T, s *Store) {
	province(t, s)
	prov := authorityAdmin(t, s, "fj-dsj")
	city := authorityAdmin(t, s, "fz-dsj")
	xm := authorityAdmin(t, s, "xm-scj")
	for i, a := range []*pubdata.Actor{prov, city, xm} {
		_, _, err := s.Tokens.CreateToken(as(a, "r"), a.User.ID, "t", 0)
		if err != nil {
			t.Fatal(i, err)
		}
	}
	count := func(a *pubdata.Actor) int {
		sc := pubdata.AuthorityScope(a)
		_, total, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: "token.create", Scope: &sc})
		if err != nil {
			t.Fatal(err)
		}
		return total
	}
	if n := count(prov); n != 3 {
		t.Errorf("province sees %d token events, want 3", n)
	}
	if n := count(city); n != 1 {
		t.Errorf("city sees %d token events, want 1 (its own division only)", n)
	}
	// The province sees the command line's events (no organisation); the city does not.
	sc := pubdata.AuthorityScope(city)
	if _, total, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: "org.create", Scope: &sc}); total != 0 {
		t.Errorf("city sees %d system org.create events, want 0", total)
	}
	sc = pubdata.AuthorityScope(prov)
	if _, total, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: "org.create", Scope: &sc}); total != 5 {
		t.Errorf("province sees %d system org.create events, want 5", total)
	}
}

// testAuditAtomic: a change that fails writes no event, and an event is never written
// without its change.
func testAuditAtomic(t *testing.T, s *Store) {
	province(t, s)
	_, before, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{})
	s.Orgs.CreateOrg(system, &pubdata.Org{Code: "fj-gat", Name: "dup", Kind: pubdata.KindPublicBody, Division: "350000"})
	s.Users.CreateUser(system, &pubdata.UserCreate{Username: "x1", Password: "password1", OrgCode: "ghost", Role: pubdata.RoleAdmin})
	_, after, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{})
	if after != before {
		t.Fatalf("failed changes wrote %d audit events", after-before)
	}
	// A cancelled context rolls back the change with its event.
	ctx, cancel := context.WithCancel(system)
	cancel()
	if err := s.Orgs.CreateOrg(ctx, &pubdata.Org{Code: "gone", Name: "gone", Kind: pubdata.KindCompany, Division: "350100"}); err == nil {
		t.Fatal("CreateOrg with a cancelled context succeeded")
	}
	if _, err := s.Orgs.FindOrgByCode(system, "gone"); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("half-written org: %v", err)
	}
	verifyOK(t, s)
}

// verifyOK signs a checkpoint (as serve does every minute: a record with events and no
// checkpoint is a missing history) and checks that the record verifies.
func verifyOK(t *testing.T, s *Store) *pubdata.AuditVerification {
	t.Helper()
	if _, err := s.Audit.Checkpoint(system); err != nil {
		t.Fatal(err)
	}
	v, err := s.Audit.Verify(system)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK {
		t.Fatalf("untouched record fails verification: %+v", v)
	}
	return v
}

func verifyBad(t *testing.T, s *Store, seq int64, problem string) {
	t.Helper()
	v, err := s.Audit.Verify(system)
	if err != nil {
		t.Fatal(err)
	}
	if v.OK || v.FirstBad != seq || !strings.Contains(v.Problem, problem) {
		t.Fatalf("Verify = %+v; want first bad %d with a problem containing %q", v, seq, problem)
	}
}

func testCheckpoint(t *testing.T, s *Store) {
	cp, err := s.Audit.Checkpoint(system)
	if err != nil || cp != nil {
		t.Fatalf("checkpoint of an empty log = %+v, %v", cp, err)
	}
	province(t, s)
	cp, err = s.Audit.Checkpoint(system)
	if err != nil || cp == nil || cp.Size != 5 || len(cp.Root) != 64 || cp.Signature == "" || cp.PublicKey == "" {
		t.Fatalf("Checkpoint = %+v, %v", cp, err)
	}
	// Nothing new: the same checkpoint.
	cp2, err := s.Audit.Checkpoint(system)
	if err != nil || cp2.Size != 5 || cp2.Signature != cp.Signature {
		t.Fatalf("second Checkpoint = %+v, %v", cp2, err)
	}
	mustUser(t, s, "alice", "", "")
	cp3, _ := s.Audit.Checkpoint(system)
	if cp3.Size != 6 || cp3.Root == cp.Root {
		t.Fatalf("Checkpoint after a change = %+v", cp3)
	}
	v := verifyOK(t, s)
	if v.Events != 6 || v.Checkpoints != 2 {
		t.Fatalf("Verify = %+v", v)
	}
}

// seedLog makes 8 events with a checkpoint at 5, and 3 more after it.
func seedLog(t *testing.T, s *Store) {
	province(t, s)
	if _, err := s.Audit.Checkpoint(system); err != nil {
		t.Fatal(err)
	}
	mustUser(t, s, "alice", "fj-gat", pubdata.RoleEditor)
	mustUser(t, s, "bob", "fz-scj", pubdata.RoleMember)
	mustUser(t, s, "carol", "", "")
}

func testVerifyIntact(t *testing.T, s *Store) {
	v := verifyOK(t, s)
	if v.Events != 0 {
		t.Fatalf("empty log: %+v", v)
	}
	seedLog(t, s)
	if v := verifyOK(t, s); v.Events != 8 || v.Checkpoints != 2 {
		t.Fatalf("Verify = %+v", v)
	}
}

func testVerifyAltered(t *testing.T, s *Store) {
	seedLog(t, s)
	ctx := context.Background()
	// Before the checkpoint and after it.
	if err := s.Exec(ctx, "UPDATE audit_events SET actor = ? WHERE seq = ?", "mallory", 7); err != nil {
		t.Fatal(err)
	}
	verifyBad(t, s, 7, "altered")
	if err := s.Exec(ctx, "UPDATE audit_events SET details = ? WHERE seq = ?", `{"code":"x"}`, 3); err != nil {
		t.Fatal(err)
	}
	verifyBad(t, s, 3, "altered")
}

func testVerifyDeleted(t *testing.T, s *Store) {
	seedLog(t, s)
	if err := s.Exec(context.Background(), "DELETE FROM audit_events WHERE seq = ?", 4); err != nil {
		t.Fatal(err)
	}
	verifyBad(t, s, 4, "missing")
}

func testVerifyInserted(t *testing.T, s *Store) {
	seedLog(t, s)
	ctx := context.Background()
	// Inserted at the end, copying a real row's hashes.
	if err := s.Exec(ctx, `INSERT INTO audit_events (seq, time, actor, org, division, action, object, request_id, client_addr, purpose, details, leaf_hash, root)
		SELECT 9, time, 'mallory', org, division, action, object, request_id, client_addr, purpose, details, leaf_hash, root FROM audit_events WHERE seq = 8`); err != nil {
		t.Fatal(err)
	}
	verifyBad(t, s, 9, "altered")
	// Inserted in the middle, shifting the later events up by one.
	if err := s.Exec(ctx, "DELETE FROM audit_events WHERE seq = 9"); err != nil {
		t.Fatal(err)
	}
	for seq := 8; seq >= 6; seq-- {
		if err := s.Exec(ctx, "UPDATE audit_events SET seq = ? WHERE seq = ?", seq+1, seq); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Exec(ctx, `INSERT INTO audit_events (seq, time, actor, org, division, action, object, request_id, client_addr, purpose, details, leaf_hash, root)
		SELECT 6, time, 'mallory', org, division, action, object, request_id, client_addr, purpose, details, leaf_hash, root FROM audit_events WHERE seq = 7`); err != nil {
		t.Fatal(err)
	}
	verifyBad(t, s, 6, "altered")
}

func testVerifyCheckpointTampered(t *testing.T, s *Store) {
	seedLog(t, s)
	// Rewrite event 2 and its leaf hash consistently: only the roots and the signed
	// checkpoint can tell.
	ctx := context.Background()
	if err := s.Exec(ctx, "UPDATE audit_checkpoints SET root = ?", strings.Repeat("ab", 32)); err != nil {
		t.Fatal(err)
	}
	v, err := s.Audit.Verify(system)
	if err != nil {
		t.Fatal(err)
	}
	if v.OK || v.BadCheckpoint != 5 || !strings.Contains(v.Problem, "checkpoint at size 5 in the database: signature does not verify") {
		t.Fatalf("Verify = %+v; want the checkpoint at size 5 named", v)
	}
}

// testCheckpointsPublished: checkpoints page oldest first with a cursor; the latest is the
// newest; each verifies with its key.
func testCheckpointsPublished(t *testing.T, s *Store) {
	if _, err := s.Audit.LatestCheckpoint(system); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("latest of an empty record: %v", err)
	}
	province(t, s)
	for _, u := range []string{"alice", "bob", "carol"} {
		if _, err := s.Audit.Checkpoint(system); err != nil {
			t.Fatal(err)
		}
		mustUser(t, s, u, "", "")
	}
	if _, err := s.Audit.Checkpoint(system); err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	cursor := ""
	for {
		cps, total, next, err := s.Audit.FindCheckpoints(system, 3, cursor)
		if err != nil || total != 4 {
			t.Fatalf("FindCheckpoints: total %d, %v", total, err)
		}
		for _, c := range cps {
			if err := audit.VerifyCheckpoint(c.PublicKey, c); err != nil {
				t.Fatalf("checkpoint %d: %v", c.Size, err)
			}
			sizes = append(sizes, c.Size)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if fmt.Sprint(sizes) != "[5 6 7 8]" {
		t.Fatalf("checkpoint sizes %v", sizes)
	}
	latest, err := s.Audit.LatestCheckpoint(system)
	if err != nil || latest.Size != 8 || len(latest.KeyID) != 64 {
		t.Fatalf("latest = %+v, %v", latest, err)
	}
	if _, _, _, err := s.Audit.FindCheckpoints(system, 3, "x"); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("bad cursor: %v", err)
	}
}

// testInclusionProof: every event's proof checks against the newest checkpoint; an event
// after it has none yet; an edited event's proof fails.
func testInclusionProof(t *testing.T, s *Store) {
	seedLog(t, s) // 8 events, a checkpoint at 5
	if _, err := s.Audit.Proof(system, 7); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("proof of an event after the last checkpoint: %v", err)
	}
	if _, err := s.Audit.Proof(system, 99); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("proof of no event: %v", err)
	}
	if _, err := s.Audit.Checkpoint(system); err != nil {
		t.Fatal(err)
	}
	for seq := int64(1); seq <= 8; seq++ {
		p, err := s.Audit.Proof(system, seq)
		if err != nil {
			t.Fatal(err)
		}
		if err := audit.CheckProof(p, ""); err != nil || p.TreeSize != 8 {
			t.Fatalf("proof of %d: %v (%+v)", seq, err, p)
		}
	}
	if err := s.Exec(context.Background(), "UPDATE audit_events SET actor = ? WHERE seq = ?", "mallory", 3); err != nil {
		t.Fatal(err)
	}
	p, err := s.Audit.Proof(system, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.CheckProof(p, ""); err == nil || !strings.Contains(err.Error(), "changed") {
		t.Fatalf("proof of an edited event: %v", err)
	}
}

// testVerifySealed: a row rewritten with its hashes recomputed (the seal cannot be) fails at
// its own sequence number, even with no checkpoint after it.
func testVerifySealed(t *testing.T, s *Store) {
	seedLog(t, s) // a checkpoint at 5, events 6–8 after it
	ctx := context.Background()
	var l audit.Leaf
	var root string
	if err := s.QueryRow(ctx, "SELECT seq, time, actor, org, division, action, object, request_id, client_addr, purpose, details FROM audit_events WHERE seq = ?", []any{7},
		&l.Seq, &l.Time, &l.Actor, &l.Org, &l.Division, &l.Action, &l.Object, &l.RequestID, &l.ClientAddr, &l.Purpose, &l.Details); err != nil {
		t.Fatal(err)
	}
	if err := s.QueryRow(ctx, "SELECT state FROM audit_checkpoints WHERE size = 5", nil, &root); err != nil {
		t.Fatal(err)
	}
	// Recompute events 6 to 8 from the tree state at 5, with 7 altered.
	l.Actor = "mallory"
	tree, err := audit.RestoreTree(5, root)
	if err != nil {
		t.Fatal(err)
	}
	for seq := int64(6); seq <= 8; seq++ {
		var h string
		if seq == 7 {
			h = l.Hash()
			if err := s.Exec(ctx, "UPDATE audit_events SET actor = ?, leaf_hash = ? WHERE seq = 7", l.Actor, h); err != nil {
				t.Fatal(err)
			}
		} else if err := s.QueryRow(ctx, "SELECT leaf_hash FROM audit_events WHERE seq = ?", []any{seq}, &h); err != nil {
			t.Fatal(err)
		}
		r, _ := tree.Append(h)
		if err := s.Exec(ctx, "UPDATE audit_events SET root = ? WHERE seq = ?", r, seq); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Exec(ctx, "UPDATE audit_head SET state = ?", tree.State()); err != nil {
		t.Fatal(err)
	}
	verifyBad(t, s, 7, "seal")
}
