package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

var holderTests = []namedTest{
	{"PersonIdentity", testPersonIdentity},
	{"CertificateConsentAndUse", testCertificateConsentAndUse},
	{"IdentityRevokeAndWithdraw", testIdentityRevokeAndWithdraw},
	{"CertificateLawFetchNotifies", testCertificateLawFetchNotifies},
}

// testIdentityRevokeAndWithdraw: a verified identity is revoked with a reason (recorded with
// the verification it undoes; the person notified), after which the person states one
// again; a claim is withdrawn by the person, a verified identity is not; a revocation
// needs a reason and a verified identity.
func testIdentityRevokeAndWithdraw(t *testing.T, s *Store) {
	certStore(t, s)
	province(t, s)
	alice := mustUser(t, s, "alice", "", "")
	clerk := actorCtx(t, s, "gat-admin", "fj-gat", pubdata.RoleAdmin)
	aliceCx := as(&pubdata.Actor{User: alice}, "r-alice")

	if _, err := s.Certificates.WithdrawIdentity(aliceCx, alice.ID); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("withdraw without a claim: %v", err)
	}
	if _, err := s.Certificates.RevokeIdentity(clerk, alice.ID, "核验有误"); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("revoke without a claim: %v", err)
	}
	if _, err := s.Certificates.ClaimIdentity(aliceCx, alice.ID, "张三", "d-wrong", "3501**0099"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Certificates.RevokeIdentity(clerk, alice.ID, "核验有误"); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("revoke a claim: %v", err)
	}
	// The person withdraws the wrong claim and states the right number.
	if p, err := s.Certificates.WithdrawIdentity(aliceCx, alice.ID); err != nil || p.Masked != "3501**0099" {
		t.Fatalf("withdraw = %+v, %v", p, err)
	}
	if _, err := s.Certificates.Identity(system, alice.ID); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("identity after withdrawal: %v", err)
	}
	if _, err := s.Certificates.ClaimIdentity(aliceCx, alice.ID, "张三", "d-alice", "3501**0012"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Certificates.VerifyIdentity(clerk, alice.ID, "d-alice", pubdata.IdentityMethodCounter); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Certificates.WithdrawIdentity(aliceCx, alice.ID); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("withdraw a verified identity: %v", err)
	}
	for _, reason := range []string{"", " x "} {
		if _, err := s.Certificates.RevokeIdentity(clerk, alice.ID, reason); pubdata.ErrorCode(err) != pubdata.EINVALID {
			t.Fatalf("revoke with reason %q: %v", reason, err)
		}
	}
	p, err := s.Certificates.RevokeIdentity(clerk, alice.ID, "  本人申请更正身份号码  ")
	if err != nil || p.Masked != "3501**0012" || p.VerifiedBy != "gat-admin" {
		t.Fatalf("revoke = %+v, %v", p, err)
	}
	if _, err := s.Certificates.Identity(system, alice.ID); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("identity after revocation: %v", err)
	}
	// The number is free again, and the person states it again.
	if _, err := s.Certificates.ClaimIdentity(aliceCx, alice.ID, "张三", "d-alice2", "3501**0013"); err != nil {
		t.Fatalf("claim after revocation: %v", err)
	}
	events, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "user:alice", Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	var revoke *pubdata.Event
	actions := map[string]int{}
	for _, e := range events {
		actions[e.Action]++
		if e.Action == "identity.revoke" {
			revoke = e
		}
	}
	if actions["identity.withdraw"] != 1 || actions["identity.revoke"] != 1 || actions["identity.claim"] != 3 {
		t.Fatalf("record of alice: %v", actions)
	}
	if revoke.Actor != "gat-admin" || revoke.Details["reason"] != "本人申请更正身份号码" || revoke.Details["verified_by"] != "gat-admin" || revoke.Details["resident_id"] != "3501**0012" {
		t.Fatalf("revocation event: %s %+v", revoke.Actor, revoke.Details)
	}
	if ns := noticesOf(t, s, aliceCx, pubdata.NoticeIdentityRevoked); len(ns) != 1 || ns[0].Params["reason"] != "本人申请更正身份号码" {
		t.Fatalf("alice's notifications of the revocation: %+v", ns)
	}
}

// testCertificateLawFetchNotifies: a fetch on a legal basis notifies the holder — the person
// whose verified identity it is, or the holder company's admins — naming the body, purpose
// and legal basis; a fetch on consent and a follow-up download do not.
func testCertificateLawFetchNotifies(t *testing.T, s *Store) {
	certStore(t, s)
	now := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	s.SetNow(now)
	editor, reviewer := catalogueSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", companyFields())
	if err := s.Certificates.SetRegister(system, &pubdata.CertificateRegister{Entry: e.ID, Kind: pubdata.RegisterLicence}); err != nil {
		t.Fatal(err)
	}
	issue := func(id, digest string) *pubdata.Certificate {
		c := &pubdata.Certificate{ID: id, Entry: e.ID, Number: "N-" + id, Title: "许可证", HolderName: "张三", HolderDigest: digest, HolderMasked: "3501**0012",
			Fields: [][2]string{}, ValidFrom: "2025-01-01", Signed: `{"format":"x"}`, PDF: []byte("%PDF-1"), PDFSignature: []byte{1}, Digest: "d" + id, PDFDigest: "p" + id, IssuedBy: "u"}
		if err := s.Certificates.IssueCertificate(system, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	zs := mustUser(t, s, "zhangsan", "", "")
	zsCx := as(&pubdata.Actor{User: zs}, "r-z")
	clerk := actorCtx(t, s, "gat-admin", "fj-gat", pubdata.RoleAdmin)
	if _, err := s.Certificates.ClaimIdentity(zsCx, zs.ID, "张三", "hd-z", "3501**0012"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Certificates.VerifyIdentity(clerk, zs.ID, "hd-z", pubdata.IdentityMethodCounter); err != nil {
		t.Fatal(err)
	}
	c := issue("lc1", "hd-z")
	xm := actorCtx(t, s, "xm-member", "xm-scj", pubdata.RoleMember)
	if err := s.Certificates.GrantConsent(zsCx, &pubdata.CertificateConsent{HolderDigest: "hd-z", HolderMasked: "3501**0012", Org: "xm-scj", Purpose: "办理", ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Certificates.RecordCertificateFetch(xm, []*pubdata.Certificate{c}, &pubdata.CertificateUse{Org: "xm-scj", Purpose: "办理", Basis: pubdata.BasisConsent}); err != nil {
		t.Fatal(err)
	}
	if ns := noticesOf(t, s, zsCx, pubdata.NoticeCertificateLaw); len(ns) != 0 {
		t.Fatalf("a fetch on consent notified: %+v", ns)
	}
	if err := s.Certificates.RecordCertificateFetch(xm, []*pubdata.Certificate{c}, &pubdata.CertificateUse{Org: "xm-scj", Purpose: "行政检查", Basis: pubdata.BasisLaw, LegalBasis: "《行政许可法》第六十一条"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Certificates.RecordCertificateFetch(xm, []*pubdata.Certificate{c}, &pubdata.CertificateUse{Org: "xm-scj", Purpose: "行政检查", Basis: pubdata.BasisLaw, LegalBasis: "《行政许可法》第六十一条", FollowUp: true}); err != nil {
		t.Fatal(err)
	}
	ns := noticesOf(t, s, zsCx, pubdata.NoticeCertificateLaw)
	if len(ns) != 1 || ns[0].Params["org"] != "厦门市市场监督管理局" || ns[0].Params["purpose"] != "行政检查" || ns[0].Params["legal_basis"] != "《行政许可法》第六十一条" ||
		!strings.Contains(ns[0].Params["certificates"], "N-lc1") {
		t.Fatalf("the person's notifications of the fetch: %+v", ns)
	}
	// A company holder: its admins are notified, not its members.
	mustOrg(t, s, "fz-co", "福州某餐饮有限公司", pubdata.KindCompany, "350100", "")
	coAdmin := actorCtx(t, s, "co-admin2", "fz-co", pubdata.RoleAdmin)
	coMember := actorCtx(t, s, "co-member", "fz-co", pubdata.RoleMember)
	cc := issue("lc2", "hd-co")
	if err := s.Certificates.RecordCertificateFetch(xm, []*pubdata.Certificate{cc}, &pubdata.CertificateUse{Org: "xm-scj", Purpose: "行政检查", Basis: pubdata.BasisLaw, LegalBasis: "《行政许可法》第六十一条", HolderOrg: "fz-co"}); err != nil {
		t.Fatal(err)
	}
	if ns := noticesOf(t, s, coAdmin, pubdata.NoticeCertificateLaw); len(ns) != 1 {
		t.Fatalf("the company admin's notifications: %+v", ns)
	}
	if ns := noticesOf(t, s, coMember, pubdata.NoticeCertificateLaw); len(ns) != 0 {
		t.Fatalf("the company member's notifications: %+v", ns)
	}
	// A holder with no account here: the use is recorded, nobody is notified.
	nc := issue("lc3", "hd-nobody")
	if err := s.Certificates.RecordCertificateFetch(xm, []*pubdata.Certificate{nc}, &pubdata.CertificateUse{Org: "xm-scj", Purpose: "行政检查", Basis: pubdata.BasisLaw, LegalBasis: "《行政许可法》第六十一条"}); err != nil {
		t.Fatal(err)
	}
}

// testPersonIdentity: a person states an identity, a counter verifies it only with the
// same number, one number is verified for one account, a verified identity cannot be
// re-stated, an organisation's account states none; each change is recorded.
func testPersonIdentity(t *testing.T, s *Store) {
	certStore(t, s)
	province(t, s)
	alice := mustUser(t, s, "alice", "", "")
	bob := mustUser(t, s, "bob", "", "")
	clerk := actorCtx(t, s, "gat-admin", "fj-gat", pubdata.RoleAdmin)
	orgUser := mustUser(t, s, "scj-member", "fz-scj", pubdata.RoleMember)
	aliceCx := as(&pubdata.Actor{User: alice}, "r-alice")

	if _, err := s.Certificates.Identity(system, alice.ID); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("identity before a claim: %v", err)
	}
	if _, err := s.Certificates.VerifyIdentity(clerk, alice.ID, "d-alice", pubdata.IdentityMethodCounter); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("verify without a claim: %v", err)
	}
	if _, err := s.Certificates.ClaimIdentity(aliceCx, alice.ID, "", "d-alice", "3501**0012"); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("claim without a name: %v", err)
	}
	if _, err := s.Certificates.ClaimIdentity(system, orgUser.ID, "某人", "d-x", "x"); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("claim by an organisation's account: %v", err)
	}
	p, err := s.Certificates.ClaimIdentity(aliceCx, alice.ID, "  张三 ", "d-wrong", "3501**0099")
	if err != nil || p.Status != pubdata.IdentityClaimed || p.RealName != "张三" || p.Username != "alice" || p.Verified() {
		t.Fatalf("claim = %+v, %v", p, err)
	}
	// A second claim replaces the first.
	if p, err = s.Certificates.ClaimIdentity(aliceCx, alice.ID, "张三", "d-alice", "3501**0012"); err != nil || p.Masked != "3501**0012" {
		t.Fatalf("re-claim = %+v, %v", p, err)
	}
	if _, err := s.Certificates.VerifyIdentity(clerk, alice.ID, "d-other", pubdata.IdentityMethodCounter); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("verify another number: %v", err)
	}
	p, err = s.Certificates.VerifyIdentity(clerk, alice.ID, "d-alice", pubdata.IdentityMethodCounter)
	if err != nil || !p.Verified() || p.VerifiedBy != "gat-admin" || p.VerifiedOrg != "fj-gat" || p.Method != pubdata.IdentityMethodCounter || p.VerifiedAt == nil {
		t.Fatalf("verify = %+v, %v", p, err)
	}
	if got, err := s.Certificates.Identity(system, alice.ID); err != nil || !got.Verified() || got.Digest != "d-alice" {
		t.Fatalf("Identity = %+v, %v", got, err)
	}
	if _, err := s.Certificates.ClaimIdentity(aliceCx, alice.ID, "李四", "d-x", "x"); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("re-claim a verified identity: %v", err)
	}
	// Bob states Alice's number: he may claim it, but it is not verified for him.
	bobCx := as(&pubdata.Actor{User: bob}, "r-bob")
	if _, err := s.Certificates.ClaimIdentity(bobCx, bob.ID, "张三", "d-alice", "3501**0012"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Certificates.VerifyIdentity(clerk, bob.ID, "d-alice", pubdata.IdentityMethodCounter); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("verify a number verified for another account: %v", err)
	}
	events, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "user:alice", Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, e := range events {
		actions[e.Action]++
	}
	if actions["identity.claim"] != 2 || actions["identity.verify"] != 1 {
		t.Fatalf("record of alice: %v", actions)
	}
}

// testCertificateConsentAndUse: a consent to one body for one register; a fetch on consent
// is recorded with the consent, one without is refused and records nothing; a legal basis
// is recorded as stated; withdrawal and expiry end a consent; the holder sees every use.
func testCertificateConsentAndUse(t *testing.T, s *Store) {
	certStore(t, s)
	now := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	s.SetNow(now)
	editor, reviewer := catalogueSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", companyFields())
	if err := s.Certificates.SetRegister(system, &pubdata.CertificateRegister{Entry: e.ID, Kind: pubdata.RegisterLicence}); err != nil {
		t.Fatal(err)
	}
	c := &pubdata.Certificate{ID: "hc1", Entry: e.ID, Number: "N1", Title: "许可证", HolderName: "张三", HolderDigest: "hd-z", HolderMasked: "3501**0012",
		Fields: [][2]string{}, ValidFrom: "2025-01-01", Signed: `{"format":"x"}`, PDF: []byte("%PDF-1"), PDFSignature: []byte{1}, Digest: "d1", PDFDigest: "p1", IssuedBy: "u"}
	if err := s.Certificates.IssueCertificate(system, c); err != nil {
		t.Fatal(err)
	}
	holder := as(&pubdata.Actor{User: mustUser(t, s, "zhangsan", "", "")}, "r-z")
	gat := actorCtx(t, s, "gat-member", "fj-gat", pubdata.RoleMember)
	xm := actorCtx(t, s, "xm-member", "xm-scj", pubdata.RoleMember)

	bad := &pubdata.CertificateConsent{HolderDigest: "hd-z", HolderMasked: "3501**0012", Org: "nope", Purpose: "办理", ExpiresAt: now.Add(time.Hour)}
	if err := s.Certificates.GrantConsent(holder, bad); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("consent to an unknown body: %v", err)
	}
	bad.Org, bad.Entry = "fj-gat", "not-a-register"
	if err := s.Certificates.GrantConsent(holder, bad); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("consent for an entry that is no register: %v", err)
	}
	k := &pubdata.CertificateConsent{HolderDigest: "hd-z", HolderMasked: "3501**0012", Org: "fj-gat", Entry: e.ID, Purpose: "户籍业务", ExpiresAt: now.Add(48 * time.Hour)}
	if err := s.Certificates.GrantConsent(holder, k); err != nil || k.ID == "" || k.GrantedBy != "zhangsan" || k.OrgName != "福建省公安厅" || k.EntryTitle == "" {
		t.Fatalf("GrantConsent = %+v, %v", k, err)
	}

	// No consent for xm-scj: refused, nothing recorded.
	if err := s.Certificates.RecordCertificateFetch(xm, []*pubdata.Certificate{c}, &pubdata.CertificateUse{Org: "xm-scj", Purpose: "核查", Basis: pubdata.BasisConsent}); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Fatalf("fetch without consent: %v", err)
	}
	if err := s.Certificates.RecordCertificateFetch(xm, []*pubdata.Certificate{c}, &pubdata.CertificateUse{Org: "xm-scj", Purpose: "核查", Basis: pubdata.BasisLaw}); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("fetch on a law basis without naming it: %v", err)
	}
	if uses, err := s.Certificates.CertificateUses(system, "hd-z", 10); err != nil || len(uses) != 0 {
		t.Fatalf("uses after refusals: %v, %v", uses, err)
	}
	// On consent.
	if err := s.Certificates.RecordCertificateFetch(gat, []*pubdata.Certificate{c}, &pubdata.CertificateUse{Org: "fj-gat", Purpose: "户籍业务", Basis: pubdata.BasisConsent}); err != nil {
		t.Fatal(err)
	}
	// On a legal basis.
	s.SetNow(now.Add(time.Minute))
	if err := s.Certificates.RecordCertificateFetch(xm, []*pubdata.Certificate{c}, &pubdata.CertificateUse{Org: "xm-scj", Purpose: "行政检查", Basis: pubdata.BasisLaw, LegalBasis: "《行政许可法》第六十一条"}); err != nil {
		t.Fatal(err)
	}
	uses, err := s.Certificates.CertificateUses(system, "hd-z", 10)
	if err != nil || len(uses) != 2 {
		t.Fatalf("CertificateUses = %v, %v", uses, err)
	}
	if u := uses[0]; u.Org != "xm-scj" || u.OrgName != "厦门市市场监督管理局" || u.Basis != pubdata.BasisLaw || u.LegalBasis != "《行政许可法》第六十一条" || u.Username != "xm-member" || u.Number != "N1" {
		t.Fatalf("law use %+v", u)
	}
	if u := uses[1]; u.Org != "fj-gat" || u.Basis != pubdata.BasisConsent || u.ConsentID != k.ID || u.Purpose != "户籍业务" {
		t.Fatalf("consent use %+v", u)
	}
	if u, err := s.Certificates.LastCertificateUse(system, "hc1", "fj-gat", now.Add(-time.Minute)); err != nil || u.ConsentID != k.ID {
		t.Fatalf("LastCertificateUse = %+v, %v", u, err)
	}
	if _, err := s.Certificates.LastCertificateUse(system, "hc1", "fj-gat", now.Add(time.Second)); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("LastCertificateUse since later: %v", err)
	}
	events, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "certificate:hc1", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var useEvents int
	for _, ev := range events {
		if ev.Action == "certificate.use" {
			useEvents++
			if ev.Details["basis"] == nil || ev.Details["purpose"] == nil {
				t.Fatalf("use event without its basis: %+v", ev.Details)
			}
		}
	}
	if useEvents != 2 {
		t.Fatalf("%d certificate.use events, want 2", useEvents)
	}

	// Expiry, then withdrawal.
	s.SetNow(now.Add(49 * time.Hour))
	if err := s.Certificates.RecordCertificateFetch(gat, []*pubdata.Certificate{c}, &pubdata.CertificateUse{Org: "fj-gat", Purpose: "户籍业务", Basis: pubdata.BasisConsent}); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Fatalf("fetch after the consent expired: %v", err)
	}
	s.SetNow(now.Add(2 * time.Minute))
	if _, err := s.Certificates.WithdrawConsent(holder, "other-holder", k.ID); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("withdraw another holder's consent: %v", err)
	}
	w, err := s.Certificates.WithdrawConsent(holder, "hd-z", k.ID)
	if err != nil || w.WithdrawnAt == nil {
		t.Fatalf("withdraw = %+v, %v", w, err)
	}
	if _, err := s.Certificates.WithdrawConsent(holder, "hd-z", k.ID); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("withdraw twice: %v", err)
	}
	if err := s.Certificates.RecordCertificateFetch(gat, []*pubdata.Certificate{c}, &pubdata.CertificateUse{Org: "fj-gat", Purpose: "户籍业务", Basis: pubdata.BasisConsent}); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Fatalf("fetch after withdrawal: %v", err)
	}
	list, err := s.Certificates.Consents(system, "hd-z", 10)
	if err != nil || len(list) != 1 || list[0].Active(now) {
		t.Fatalf("Consents = %v, %v", list, err)
	}
	if events, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "consent:" + k.ID, Limit: 10}); err != nil || len(events) != 2 {
		t.Fatalf("record of the consent: %v, %v", events, err)
	}
}
