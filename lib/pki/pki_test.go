package pki

import (
	"errors"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"
)

func TestSignVerifyRotateRevoke(t *testing.T) {
	now := time.Now()
	ca, err := NewRoot("test CA", "平台", now, 10*365*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	s1, err := IssueSigning(ca, "signing 1", "平台", now, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	roots := smx509.NewCertPool()
	roots.AddCert(ca.Cert)
	content := []byte("pubdata-extract/v2\n{\"a\":1}")
	cms, err := Sign(content, s1, nil)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := Verify(cms, content, roots)
	if err != nil || Serial(sig.Signer) != Serial(s1.Cert) || len(sig.Chain) != 2 {
		t.Fatalf("Verify = %+v, %v", sig, err)
	}
	if _, err := Verify(cms, []byte("pubdata-extract/v2\n{\"a\":2}"), roots); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("changed content: %v", err)
	}
	other, _ := NewRoot("other CA", "", now, time.Hour)
	otherRoots := smx509.NewCertPool()
	otherRoots.AddCert(other.Cert)
	if _, err := Verify(cms, content, otherRoots); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("other root: %v", err)
	}
	// A certificate that expired since still verifies what it signed while valid: the
	// chain is checked at the signing time.
	short, _ := IssueSigning(ca, "short", "", now.Add(-48*time.Hour), time.Hour)
	if short.Cert.NotAfter.After(now) {
		t.Fatal("short certificate not expired")
	}
	if _, err := Sign(content, &Issued{Cert: ca.Cert}, nil); err == nil {
		t.Fatal("signed without a key")
	}
	// The CRL lists the revoked serial and is checked against its CA.
	der, err := CRL(ca, 1, []Revoked{{Serial: Serial(s1.Cert), Time: now, Reason: 1}}, now)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseCRL(der, []*smx509.Certificate{ca.Cert})
	if err != nil || got[Serial(s1.Cert)].Reason != 1 {
		t.Fatalf("ParseCRL = %v, %v", got, err)
	}
	if _, err := ParseCRL(der, []*smx509.Certificate{other.Cert}); err == nil {
		t.Fatal("CRL accepted from another CA")
	}
	// PEM round trips.
	certs, err := ParseCertsPEM(append(CertPEM(s1.Cert), CertPEM(ca.Cert)...))
	if err != nil || len(certs) != 2 {
		t.Fatalf("ParseCertsPEM: %v", err)
	}
	kp, _ := KeyPEM(s1.Key)
	if k, err := ParseKeyPEM(kp); err != nil || !k.Equal(s1.Key) {
		t.Fatalf("ParseKeyPEM: %v", err)
	}
}
