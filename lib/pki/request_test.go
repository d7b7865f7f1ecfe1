package pki

import (
	"testing"
	"time"
)

func TestSignMessage(t *testing.T) {
	now := time.Now()
	ca, err := NewRoot("test CA", "平台", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := IssueSigning(ca, "a", "", now, time.Hour)
	b, _ := IssueSigning(ca, "b", "", now, time.Hour)
	msg := []byte("pubdata-federation/v1\nGET\n/api/v1/federation/status")
	sig, err := SignMessage(a.Key, msg)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyMessage(a.Cert, msg, sig); err != nil {
		t.Fatalf("own signature: %v", err)
	}
	if err := VerifyMessage(a.Cert, append(msg, '!'), sig); err == nil {
		t.Fatal("a changed message verifies")
	}
	if err := VerifyMessage(b.Cert, msg, sig); err == nil {
		t.Fatal("another certificate verifies")
	}
	if err := VerifyMessage(a.Cert, msg, "not base64!"); err == nil {
		t.Fatal("garbage verifies")
	}
	if Fingerprint(a.Cert) == Fingerprint(b.Cert) || len(Fingerprint(a.Cert)) != 64 {
		t.Fatal("fingerprints")
	}
}
