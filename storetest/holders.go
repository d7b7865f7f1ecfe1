package storetest

import (
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

var holderTests = []namedTest{
	{"PersonIdentity", testPersonIdentity},
	{"CertificateConsentAndUse", testCertificateConsentAndUse},
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
