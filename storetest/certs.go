package storetest

import (
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

var certTests = []namedTest{
	{"SigningKeys", testSigningKeys},
	{"Certificates", testCertificates},
}

func certStore(t *testing.T, s *Store) {
	t.Helper()
	if s.SigningKeys == nil || s.Certificates == nil {
		t.Fatal("the store under test must provide its keyring and certificates (storetest.Store)")
	}
}

// testSigningKeys: one active key of a kind; replacing retires the old one in the same
// transaction; without replace a second active key is a conflict; revocation is recorded.
func testSigningKeys(t *testing.T, s *Store) {
	certStore(t, s)
	now := time.Now().UTC().Truncate(time.Second)
	key := func(id, kind string) *pubdata.SigningKey {
		return &pubdata.SigningKey{ID: id, Kind: kind, Subject: "CN=" + id, PublicKey: "pk-" + id, SealedKey: "sealed-" + id, NotBefore: now, NotAfter: now.Add(time.Hour)}
	}
	if err := s.SigningKeys.AddSigningKey(system, key("ca1", pubdata.KeyKindCA), false); err != nil {
		t.Fatal(err)
	}
	if err := s.SigningKeys.AddSigningKey(system, key("s1", pubdata.KeyKindSigning), false); err != nil {
		t.Fatal(err)
	}
	if err := s.SigningKeys.AddSigningKey(system, key("s2", pubdata.KeyKindSigning), false); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("second active signing key without replace: %v", err)
	}
	if err := s.SigningKeys.AddSigningKey(system, key("s2", pubdata.KeyKindSigning), true); err != nil {
		t.Fatal(err)
	}
	keys, err := s.SigningKeys.SigningKeys(system)
	if err != nil || len(keys) != 3 {
		t.Fatalf("SigningKeys = %v, %v", keys, err)
	}
	state := map[string]string{}
	for _, k := range keys {
		state[k.ID] = k.Status
		if k.SealedKey != "sealed-"+k.ID || !k.NotAfter.Equal(now.Add(time.Hour)) {
			t.Fatalf("key %+v", k)
		}
	}
	if state["ca1"] != pubdata.KeyActive || state["s1"] != pubdata.KeyRetired || state["s2"] != pubdata.KeyActive {
		t.Fatalf("states %v", state)
	}
	k, err := s.SigningKeys.RevokeSigningKey(system, "s1", "compromised")
	if err != nil || k.Status != pubdata.KeyRevoked || k.RevokedAt == nil {
		t.Fatalf("revoke = %+v, %v", k, err)
	}
	if _, err := s.SigningKeys.RevokeSigningKey(system, "s1", ""); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("revoke twice: %v", err)
	}
	if _, err := s.SigningKeys.RevokeSigningKey(system, "nope", ""); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("revoke unknown: %v", err)
	}
	events, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "key:s1", Limit: 10})
	if err != nil || len(events) != 2 {
		t.Fatalf("record of key s1: %v, %v", events, err)
	}
}

// testCertificates: a register, an issued certificate found by id, PDF digest and holder,
// a number used once per register, revocation once, and every change and use recorded.
func testCertificates(t *testing.T, s *Store) {
	certStore(t, s)
	editor, reviewer := catalogueSetup(t, s)
	e := publish(t, s, editor, reviewer, "fz-scj", companyFields())
	c := &pubdata.Certificate{ID: "c1", Entry: e.ID, Number: "N1", Title: "许可证", HolderName: "某公司", HolderDigest: "hd", HolderMasked: "91****",
		Fields: [][2]string{{"a", "b"}}, ValidFrom: "2025-01-01", Signed: `{"format":"x"}`, PDF: []byte("%PDF-1"), PDFSignature: []byte{1, 2}, Digest: "d1", PDFDigest: "p1", IssuedBy: "u"}
	if err := s.Certificates.IssueCertificate(system, c); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("issue without a register: %v", err)
	}
	if err := s.Certificates.SetRegister(system, &pubdata.CertificateRegister{Entry: e.ID, Kind: "nope"}); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("bad kind: %v", err)
	}
	if err := s.Certificates.SetRegister(system, &pubdata.CertificateRegister{Entry: e.ID, Kind: pubdata.RegisterLicence}); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Certificates.Register(system, e.ID); err != nil || r.Org != "fz-scj" || r.Kind != pubdata.RegisterLicence {
		t.Fatalf("Register = %+v, %v", r, err)
	}
	if err := s.Certificates.IssueCertificate(system, c); err != nil {
		t.Fatal(err)
	}
	dup := *c
	dup.ID = "c2"
	if err := s.Certificates.IssueCertificate(system, &dup); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Fatalf("number reused: %v", err)
	}
	got, err := s.Certificates.Certificate(system, "c1")
	if err != nil || got.Org != "fz-scj" || got.Status != pubdata.CertValid || string(got.PDF) != "%PDF-1" || got.Fields[0][1] != "b" || got.Kind != pubdata.RegisterLicence {
		t.Fatalf("Certificate = %+v, %v", got, err)
	}
	if got, err := s.Certificates.CertificateByPDF(system, "p1"); err != nil || got.ID != "c1" {
		t.Fatalf("CertificateByPDF = %v, %v", got, err)
	}
	if list, err := s.Certificates.HolderCertificates(system, "hd", 10); err != nil || len(list) != 1 {
		t.Fatalf("HolderCertificates = %v, %v", list, err)
	}
	if list, err := s.Certificates.HolderCertificates(system, "other", 10); err != nil || len(list) != 0 {
		t.Fatalf("HolderCertificates(other) = %v, %v", list, err)
	}
	if err := s.Certificates.RecordCertificateUse(system, got, "certificate.check"); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Certificates.RevokeCertificate(system, "c1", "why"); err != nil || r.Status != pubdata.CertRevoked || r.RevokedAt == nil || r.RevokeReason != "why" {
		t.Fatalf("revoke = %+v, %v", r, err)
	}
	if _, err := s.Certificates.RevokeCertificate(system, "c1", ""); pubdata.ErrorCode(err) != pubdata.ECONFLICT {
		t.Fatalf("revoke twice: %v", err)
	}
	events, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "certificate:c1", Limit: 10})
	if err != nil || len(events) != 3 {
		t.Fatalf("record: %v, %v", events, err)
	}
}
