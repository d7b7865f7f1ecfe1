package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

// federationTests cover federation's store (issue 17 items 1–4): peers and their states,
// replayed nonces, the catalogue feed by generation and its mirror on another store, and the
// flow-back's batches and progress.
var federationTests = []namedTest{
	{"FederationPeers", testFederationPeers},
	{"FederationCatalog", testFederationCatalog},
	{"MirroredNotCounted", testMirroredNotCounted},
	{"FederationRekey", testFederationRekey},
}

// testFederationRekey: a peer's new key announced under its old one is taken at once; one
// announced without it is held until the admin approves; a key is never two peers'; the
// key this platform is held by at the peer is noted. Each change is one event.
func testFederationRekey(t *testing.T, s *Store) {
	p, err := s.Federation.AddPeer(system, &pubdata.Peer{Kind: pubdata.PeerChild, Name: "福州市", Division: "350100", URL: "http://fz", Certificate: "pemA", Fingerprint: "fpA", OwnFingerprint: "ownA"})
	if err != nil || p.OwnFingerprint != "ownA" {
		t.Fatalf("AddPeer = %+v, %v", p, err)
	}
	other, err := s.Federation.AddPeer(system, &pubdata.Peer{Kind: pubdata.PeerChild, Name: "厦门市", Division: "350200", URL: "http://xm", Certificate: "pemX", Fingerprint: "fpX"})
	if err != nil {
		t.Fatal(err)
	}
	events := func(action string) int {
		t.Helper()
		evs, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "peer:" + p.ID, Action: action})
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	_, err = s.Federation.RekeyPeer(system, p.ID, "fpWrong", "pemB", "fpB")
	wantCode(t, err, pubdata.ECONFLICT)
	_, err = s.Federation.RekeyPeer(system, p.ID, "fpA", "pemX", "fpX")
	wantCode(t, err, pubdata.ECONFLICT) // another peer's key
	if got, err := s.Federation.RekeyPeer(system, p.ID, "fpA", "pemB", "fpB"); err != nil || got.Fingerprint != "fpB" || got.Certificate != "pemB" {
		t.Fatalf("rekey = %+v, %v", got, err)
	}
	if _, err := s.Federation.RekeyPeer(system, p.ID, "fpA", "pemB", "fpB"); err != nil {
		t.Fatalf("the same announcement again: %v", err)
	}
	if _, err := s.Federation.FindPeerByFingerprint(system, "fpA"); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("the old key still names the peer: %v", err)
	}
	if n := events("federation.peer.rekey"); n != 1 {
		t.Fatalf("%d rekey events, want 1", n)
	}
	// The old key lost: the new one is held, then approved.
	_, err = s.Federation.ApprovePeerRekey(system, p.ID)
	wantCode(t, err, pubdata.ECONFLICT) // nothing held
	_, err = s.Federation.RequestPeerRekey(system, p.ID, "pemX", other.Fingerprint)
	wantCode(t, err, pubdata.ECONFLICT)
	for range 2 {
		if got, err := s.Federation.RequestPeerRekey(system, p.ID, "pemC", "fpC"); err != nil || got.PendingFingerprint != "fpC" || got.Fingerprint != "fpB" {
			t.Fatalf("request = %+v, %v", got, err)
		}
	}
	if n := events("federation.peer.rekey_request"); n != 1 {
		t.Fatalf("%d rekey requests recorded, want 1", n)
	}
	if _, err := s.Federation.FindPeerByFingerprint(system, "fpC"); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("a held key names the peer before approval: %v", err)
	}
	got, err := s.Federation.ApprovePeerRekey(system, p.ID)
	if err != nil || got.Fingerprint != "fpC" || got.Certificate != "pemC" || got.PendingFingerprint != "" || got.PendingCertificate != "" {
		t.Fatalf("approve = %+v, %v", got, err)
	}
	if n := events("federation.peer.rekey_approve"); n != 1 {
		t.Fatalf("%d approvals recorded, want 1", n)
	}
	// This platform's own key as the peer holds it.
	for range 2 {
		if err := s.Federation.SetOwnFingerprint(system, p.ID, "ownB", pubdata.RekeyByOldKey); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := s.Federation.FindPeer(system, p.ID); got.OwnFingerprint != "ownB" {
		t.Fatalf("own fingerprint %q", got.OwnFingerprint)
	}
	if n := events("federation.peer.own_key"); n != 1 {
		t.Fatalf("%d own-key events, want 1", n)
	}
}

// testMirroredNotCounted: entries mirrored from a peer's catalogue, with their use here, and
// the peer's organisations kept for them are not this platform's units' entries: the
// monitoring board and the evaluation leave them out (they count on the peer's platform).
func testMirroredNotCounted(t *testing.T, s *Store) {
	s.SetNow(appNow)
	editor, reviewer := catalogueSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", fields("停车泊位信息", "全市停车泊位", pubdata.ClassUnconditional, pubdata.ClassUnconditional))
	before := refresh(t, s, appNow)
	units, err := s.Monitor.Units(system, pubdata.MonitorScope{Division: "350000"})
	if err != nil {
		t.Fatal(err)
	}

	feed, err := s.Federation.CatalogChanges(system, 0, 10)
	if err != nil || len(feed.Changes) != 1 {
		t.Fatalf("feed = %+v, %v", feed, err)
	}
	peer, err := s.Federation.AddPeer(system, &pubdata.Peer{Kind: pubdata.PeerChild, Name: "厦门市", Division: "350200", URL: "http://xm", Certificate: "pem", Fingerprint: "fpx"})
	if err != nil {
		t.Fatal(err)
	}
	remote := *feed.Changes[0].Entry
	remote.ID, remote.Org, remote.OrgName, remote.Division = "01900000-0000-7000-8000-000000000002", "xm-gaj", "厦门市公安局", "350200"
	page := &pubdata.CatalogFeed{Changes: []pubdata.CatalogChange{{Generation: 3, ID: remote.ID, Entry: &remote, OrgDivision: "350200"}}, Generation: 3}
	if n, err := s.Federation.ApplyCatalog(system, peer, page); err != nil || n != 1 {
		t.Fatalf("ApplyCatalog = %d, %v", n, err)
	}
	fed := pubdata.FederatedOrgCode("350200", "xm-gaj")
	if err := s.Usage.AddUsage(system, []pubdata.UsageCount{{Day: "2026-09-30", Entry: remote.ID, Provider: fed, Kind: pubdata.UseView, N: 500},
		{Day: "2026-09-30", Entry: e.ID, Provider: "fz-scj", Kind: pubdata.UseView, N: 3}}); err != nil {
		t.Fatal(err)
	}

	// The board: the same entries and units as before the mirror.
	after := refresh(t, s, appNow.Add(time.Minute))
	if after.Entries != before.Entries || after.Units != before.Units {
		t.Fatalf("refresh with a mirrored entry %+v, before %+v", after, before)
	}
	got, err := s.Monitor.Units(system, pubdata.MonitorScope{Division: "350000"})
	if err != nil || len(got) != len(units) {
		t.Fatalf("units with a mirrored entry: %d %v, before %d", len(got), err, len(units))
	}
	for _, u := range got {
		if pubdata.IsFederatedOrgCode(u.Org) {
			t.Fatalf("a peer's organisation on the board: %+v", u)
		}
	}
	if probs, _ := s.Monitor.ProblemEntries(system, pubdata.MonitorScope{Division: "350000"}, 50); slices.ContainsFunc(probs, func(p pubdata.EntryFigures) bool { return p.Entry == remote.ID }) {
		t.Fatalf("a mirrored entry among the problems: %+v", probs)
	}

	// The evaluation: no result for the peer's organisation, its use not among the most used.
	admin := as(authorityAdmin(t, s, "fj-dsj"), "r-eval-mirror")
	s.SetNow(appNow.Add(time.Hour))
	ev, err := s.Evaluations.ComputeEvaluation(admin, evalPeriod(t, "2026-09"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range ev.Results {
		if pubdata.IsFederatedOrgCode(r.Org) {
			t.Fatalf("a peer's organisation evaluated: %+v", r)
		}
	}
	for _, u := range ev.MostUsed {
		if u.Entry == remote.ID {
			t.Fatalf("a mirrored entry among the most used: %+v", ev.MostUsed)
		}
	}
	if ev.Units != len(ev.Results) || len(ev.MostUsed) != 1 || ev.MostUsed[0].Entry != e.ID {
		t.Fatalf("evaluation %+v", ev)
	}
}

func testFederationPeers(t *testing.T, s *Store) {
	if s.Federation == nil {
		t.Fatal("the store has no federation service")
	}
	p, err := s.Federation.AddPeer(system, &pubdata.Peer{Kind: pubdata.PeerChild, Name: "福州市", Division: "350100", URL: "http://fz.example", Certificate: "pem", Fingerprint: "fp1"})
	if err != nil || p.State != pubdata.PeerPending || p.ID == "" {
		t.Fatalf("AddPeer = %+v, %v", p, err)
	}
	_, err = s.Federation.AddPeer(system, &pubdata.Peer{Kind: pubdata.PeerChild, Name: "again", Division: "350100", URL: "http://x", Certificate: "pem", Fingerprint: "fp2"})
	wantCode(t, err, pubdata.ECONFLICT)
	_, err = s.Federation.DecidePeer(system, p.ID, pubdata.PeerSuspended, "x")
	wantCode(t, err, pubdata.ECONFLICT) // pending cannot be suspended
	_, err = s.Federation.DecidePeer(system, p.ID, pubdata.PeerRefused, "")
	wantCode(t, err, pubdata.EINVALID) // a refusal needs a reason
	if p, err = s.Federation.DecidePeer(system, p.ID, pubdata.PeerActive, ""); err != nil || p.State != pubdata.PeerActive {
		t.Fatalf("approve = %+v, %v", p, err)
	}
	if got, err := s.Federation.FindPeerByFingerprint(system, "fp1"); err != nil || got.ID != p.ID {
		t.Fatalf("by fingerprint: %+v %v", got, err)
	}
	if got, err := s.Federation.FindPeer(system, "350100"); err != nil || got.ID != p.ID {
		t.Fatalf("by division: %+v %v", got, err)
	}
	if err := s.Federation.Contact(system, p.ID, "boom"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Federation.FindPeer(system, p.ID); got.LastContact == nil || got.LastError != "boom" {
		t.Fatalf("contact: %+v", got)
	}
	// A nonce is used once.
	if err := s.Federation.UseNonce(system, "fp1", "0123456789abcdef0123"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.Federation.UseNonce(system, "fp1", "0123456789abcdef0123"), pubdata.EUNAUTHORIZED)
	if err := s.Federation.UseNonce(system, "fp2", "0123456789abcdef0123"); err != nil {
		t.Fatalf("another peer's nonce: %v", err)
	}
	// Every change is recorded.
	evs, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "peer:" + p.ID})
	if err != nil || len(evs) != 2 {
		t.Fatalf("events: %d %v", len(evs), err)
	}
}

func testFederationCatalog(t *testing.T, s *Store) {
	editor, reviewer := catalogueSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", fields("停车泊位信息", "全市停车泊位", pubdata.ClassUnconditional, pubdata.ClassUnconditional))
	feed, err := s.Federation.CatalogChanges(system, 0, 10)
	if err != nil || len(feed.Changes) != 1 || feed.Changes[0].Entry == nil || feed.Changes[0].ID != e.ID || feed.Generation == 0 {
		t.Fatalf("feed = %+v, %v", feed, err)
	}
	again, _ := s.Federation.CatalogChanges(system, feed.Generation, 10)
	if len(again.Changes) != 0 || again.Generation != feed.Generation {
		t.Fatalf("nothing after the last generation: %+v", again)
	}

	// The same store mirrors a peer's entry (another id), marked with the peer; a repeat of
	// the page changes nothing; a withdrawal retires it.
	peer, err := s.Federation.AddPeer(system, &pubdata.Peer{Kind: pubdata.PeerChild, Name: "厦门市", Division: "350200", URL: "http://xm", Certificate: "pem", Fingerprint: "fpx"})
	if err != nil {
		t.Fatal(err)
	}
	remote := *feed.Changes[0].Entry
	remote.ID, remote.Org, remote.OrgName, remote.Division = "01900000-0000-7000-8000-000000000001", "xm-gaj", "厦门市公安局", "350200"
	page := &pubdata.CatalogFeed{Changes: []pubdata.CatalogChange{{Generation: 7, ID: remote.ID, Entry: &remote, OrgDivision: "350200"}}, Generation: 7}
	if n, err := s.Federation.ApplyCatalog(system, peer, page); err != nil || n != 1 {
		t.Fatalf("ApplyCatalog = %d, %v", n, err)
	}
	if n, err := s.Federation.ApplyCatalog(system, peer, page); err != nil || n != 0 {
		t.Fatalf("the same page again = %d, %v", n, err)
	}
	m, err := s.Entries.FindPublishedEntry(system, remote.ID)
	if err != nil || m.Platform != "350200" || m.Org != pubdata.FederatedOrgCode("350200", "xm-gaj") || m.OrgName != "厦门市公安局" || m.Code == e.Code {
		t.Fatalf("the mirror: %+v %v", m, err)
	}
	res, err := s.Entries.SearchCatalog(system, pubdata.CatalogQuery{Q: "停车泊位", Limit: 10})
	if err != nil || res.Total != 2 {
		t.Fatalf("search finds both: %+v %v", res, err)
	}
	// Mirrors are not fed on to other peers.
	if f, _ := s.Federation.CatalogChanges(system, feed.Generation, 10); len(f.Changes) != 0 {
		t.Fatalf("a mirror in the feed: %+v", f.Changes)
	}
	if p, _ := s.Federation.FindPeer(system, peer.ID); p.CatalogGeneration != 7 {
		t.Fatalf("the peer's generation: %d", p.CatalogGeneration)
	}
	page = &pubdata.CatalogFeed{Changes: []pubdata.CatalogChange{{Generation: 8, ID: remote.ID}}, Generation: 8}
	if n, err := s.Federation.ApplyCatalog(system, peer, page); err != nil || n != 1 {
		t.Fatalf("withdraw = %d, %v", n, err)
	}
	if _, err := s.Entries.FindPublishedEntry(system, remote.ID); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("a withdrawn mirror is still published: %v", err)
	}
	// A peer's change never overwrites this store's own entry of the same id.
	own := *feed.Changes[0].Entry
	own.Title = "篡改"
	page = &pubdata.CatalogFeed{Changes: []pubdata.CatalogChange{{Generation: 9, ID: e.ID, Entry: &own}}, Generation: 9}
	if n, err := s.Federation.ApplyCatalog(system, peer, page); err != nil || n != 0 {
		t.Fatalf("own entry = %d, %v", n, err)
	}
	if got, _ := s.Entries.FindPublishedEntry(system, e.ID); got.Title != "停车泊位信息" {
		t.Fatalf("own entry changed: %+v", got)
	}

	// Flow-back: only to a child, only once per entry; progress is kept.
	if _, err := s.Federation.AddFlowback(system, &pubdata.Flowback{Peer: peer.ID, Entry: e.ID, Column: "uscc"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Federation.AddFlowback(system, &pubdata.Flowback{Peer: peer.ID, Entry: e.ID, Column: "uscc"})
	wantCode(t, err, pubdata.ECONFLICT)
	if fs, _ := s.Federation.FindFlowbacks(system, peer.ID); len(fs) != 1 || fs[0].EntryTitle != "停车泊位信息" {
		t.Fatalf("flowbacks: %+v", fs)
	}
	if err := s.Federation.SetInflow(system, &pubdata.Inflow{Peer: peer.ID, Entry: e.ID, Column: "uscc", Seq: 3}); err != nil {
		t.Fatal(err)
	}
	if err := s.Federation.SetInflow(system, &pubdata.Inflow{Peer: peer.ID, Entry: e.ID, Column: "uscc", Seq: 4}); err != nil {
		t.Fatal(err)
	}
	if in, _ := s.Federation.FindInflows(system, peer.ID); len(in) != 1 || in[0].Seq != 4 {
		t.Fatalf("inflows: %+v", in)
	}
	if err := s.Federation.RemoveFlowback(system, peer.ID, e.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.Federation.RemoveFlowback(system, peer.ID, e.ID), pubdata.ENOTFOUND)
}
