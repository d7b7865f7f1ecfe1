// Package pki makes and checks the platform's SM2 certificates (GB/T 32918 keys, X.509
// certificates signed SM2-with-SM3, emmansun/gmsm smx509) and its CMS/PKCS #7 signatures
// (gmsm pkcs7, GM/T 0010 object identifiers). A signature made here is detached, carries
// the signer's certificate and its chain up to (not including) the root, and the signing
// time as a signed attribute; anyone holding the root certificate can check it offline.
package pki

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/emmansun/gmsm/pkcs7"
	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// Issued is a certificate and, when the platform holds it, its private key.
type Issued struct {
	Cert *smx509.Certificate
	Key  *sm2.PrivateKey // nil for a certificate without its key (an imported root)
}

func newSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

func create(template *x509.Certificate, parent *Issued, key *sm2.PrivateKey) (*Issued, error) {
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	template.SerialNumber = serial
	template.SignatureAlgorithm = x509.SignatureAlgorithm(smx509.SM2WithSM3)
	var der []byte
	if parent == nil {
		der, err = smx509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	} else if parent.Key == nil {
		return nil, errors.New("pki: the issuing CA's private key is not held here")
	} else {
		der, err = smx509.CreateCertificate(rand.Reader, template, parent.Cert, &key.PublicKey, parent.Key)
	}
	if err != nil {
		return nil, fmt.Errorf("pki: create certificate: %w", err)
	}
	cert, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Issued{Cert: cert, Key: key}, nil
}

// NewRoot makes a self-signed root CA: a new SM2 key, valid from now (less a minute, for
// clocks a little behind) for validity.
func NewRoot(commonName, org string, now time.Time, validity time.Duration) (*Issued, error) {
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return create(&x509.Certificate{
		Subject:   pkix.Name{CommonName: commonName, Organization: nonEmpty(org), Country: []string{"CN"}},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true, IsCA: true, MaxPathLen: 1,
	}, nil, key)
}

// IssueSigning makes a new SM2 key and a document-signing certificate for it, issued by ca.
// The validity is cut to the CA's.
func IssueSigning(ca *Issued, commonName, org string, now time.Time, validity time.Duration) (*Issued, error) {
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	notAfter := now.Add(validity)
	if notAfter.After(ca.Cert.NotAfter) {
		notAfter = ca.Cert.NotAfter
	}
	return create(&x509.Certificate{
		Subject:   pkix.Name{CommonName: commonName, Organization: nonEmpty(org), Country: []string{"CN"}},
		NotBefore: now.Add(-time.Minute), NotAfter: notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
	}, ca, key)
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// Serial is a certificate's serial number as the platform writes it: lower-case hex.
func Serial(c *smx509.Certificate) string { return c.SerialNumber.Text(16) }

// CertPEM is the PEM of a certificate.
func CertPEM(c *smx509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// KeyPEM is the PKCS #8 PEM of an SM2 private key.
func KeyPEM(k *sm2.PrivateKey) ([]byte, error) {
	der, err := smx509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseKeyPEM reads a PKCS #8 PEM SM2 private key.
func ParseKeyPEM(b []byte) (*sm2.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("pki: not a PEM PRIVATE KEY (PKCS #8)")
	}
	k, err := smx509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	priv, ok := k.(*sm2.PrivateKey)
	if !ok {
		return nil, errors.New("pki: the private key is not SM2")
	}
	return priv, nil
}

// ParseCertsPEM reads every CERTIFICATE block of b (at least one).
func ParseCertsPEM(b []byte) ([]*smx509.Certificate, error) {
	var certs []*smx509.Certificate
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := smx509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("pki: %w", err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("pki: no PEM CERTIFICATE found")
	}
	return certs, nil
}

// Sign makes a detached CMS SignedData (DER) of content with SM2-SM3, carrying the signer's
// certificate and the chain (intermediates, not the root).
func Sign(content []byte, signer *Issued, chain []*smx509.Certificate) ([]byte, error) {
	if signer.Key == nil {
		return nil, errors.New("pki: the signing key is not held here")
	}
	sd, err := pkcs7.NewSMSignedData(content)
	if err != nil {
		return nil, err
	}
	if err := sd.AddSignerChain(signer.Cert, signer.Key, chain, pkcs7.SignerInfoConfig{}); err != nil {
		return nil, fmt.Errorf("pki: sign: %w", err)
	}
	sd.Detach()
	return sd.Finish()
}

// Signature is what a checked signature says: who signed and when.
type Signature struct {
	Signer      *smx509.Certificate
	Chain       []*smx509.Certificate // as verified, from the signer to the root
	SigningTime time.Time
}

// Why a signature does not verify.
var (
	ErrBadSignature = errors.New("the signature does not match the content")
	ErrUntrusted    = errors.New("the signer's certificate does not chain to a trusted root")
)

// Verify checks a detached CMS signature of content: the signer's chain up to one of roots
// at the signing time (so a certificate that has since expired or been retired still
// verifies what it signed while valid), then the signature. Revocation is the caller's
// check.
func Verify(cms, content []byte, roots *smx509.CertPool) (*Signature, error) {
	p7, err := pkcs7.Parse(cms)
	if err != nil {
		return nil, fmt.Errorf("%w: not a CMS signature: %v", ErrBadSignature, err)
	}
	if len(p7.Signers) != 1 {
		return nil, fmt.Errorf("%w: %d signers, not one", ErrBadSignature, len(p7.Signers))
	}
	signer := p7.GetOnlySigner()
	if signer == nil {
		return nil, fmt.Errorf("%w: no signer certificate", ErrBadSignature)
	}
	var when time.Time
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &when); err != nil {
		return nil, fmt.Errorf("%w: no signing time", ErrBadSignature)
	}
	inter := smx509.NewCertPool()
	for _, c := range p7.Certificates {
		inter.AddCert(c)
	}
	chains, err := signer.Verify(smx509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: when, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil || len(chains) == 0 {
		return nil, fmt.Errorf("%w: %v", ErrUntrusted, err)
	}
	p7.Content = content
	if err := p7.Verify(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return &Signature{Signer: signer, Chain: chains[0], SigningTime: when.UTC()}, nil
}

// Revoked is one entry of a revocation list.
type Revoked struct {
	Serial string // hex
	Time   time.Time
	Reason int // RFC 5280 CRLReason: 0 unspecified, 1 keyCompromise, 4 superseded, 5 cessationOfOperation
}

// CRL makes the CA's revocation list (DER), valid for a week from now.
func CRL(ca *Issued, number int64, revoked []Revoked, now time.Time) ([]byte, error) {
	if ca.Key == nil {
		return nil, errors.New("pki: the CA's private key is not held here")
	}
	t := &x509.RevocationList{Number: big.NewInt(number), ThisUpdate: now, NextUpdate: now.Add(7 * 24 * time.Hour),
		SignatureAlgorithm: x509.SignatureAlgorithm(smx509.SM2WithSM3)}
	for _, r := range revoked {
		n, ok := new(big.Int).SetString(r.Serial, 16)
		if !ok {
			return nil, fmt.Errorf("pki: bad serial %q", r.Serial)
		}
		t.RevokedCertificateEntries = append(t.RevokedCertificateEntries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: r.Time, ReasonCode: r.Reason})
	}
	return smx509.CreateRevocationList(rand.Reader, t, ca.Cert, ca.Key)
}

// ParseCRL reads a revocation list (DER or PEM) and checks it is signed by one of cas; it
// returns the revoked serials (hex) with their entries.
func ParseCRL(b []byte, cas []*smx509.Certificate) (map[string]Revoked, error) {
	if block, _ := pem.Decode(b); block != nil {
		b = block.Bytes
	}
	rl, err := smx509.ParseRevocationList(b)
	if err != nil {
		return nil, fmt.Errorf("pki: revocation list: %w", err)
	}
	ok := false
	for _, ca := range cas {
		if bytes.Equal(ca.RawSubject, rl.RawIssuer) && rl.CheckSignatureFrom(ca) == nil {
			ok = true
			break
		}
	}
	if !ok {
		return nil, errors.New("pki: the revocation list is not signed by a given CA")
	}
	out := map[string]Revoked{}
	for _, e := range rl.RevokedCertificateEntries {
		out[e.SerialNumber.Text(16)] = Revoked{Serial: e.SerialNumber.Text(16), Time: e.RevocationTime, Reason: e.ReasonCode}
	}
	return out, nil
}
