package pki

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/sealed"
)

// Validity of the certificates the platform makes.
const (
	RootValidity    = 20 * 365 * 24 * time.Hour
	SigningValidity = 3 * 365 * 24 * time.Hour
)

// Keyring is the platform's signing keys as the shared database keeps them: every call
// reads the rows again (a handful), so a rotation or revocation made on one node applies on
// every node at once.
type Keyring struct {
	Store   pubdata.SigningKeyService
	Secrets *sealed.Key
	Now     func() time.Time
}

func (r *Keyring) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Ring is one reading of the keyring.
type Ring struct {
	Keys    []*pubdata.SigningKey
	certs   map[string]*smx509.Certificate // by id
	secrets *sealed.Key
}

// Load reads the keyring.
func (r *Keyring) Load(ctx context.Context) (*Ring, error) {
	keys, err := r.Store.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	ring := &Ring{Keys: keys, certs: map[string]*smx509.Certificate{}, secrets: r.Secrets}
	for _, k := range keys {
		if k.CertPEM == "" {
			continue
		}
		certs, err := ParseCertsPEM([]byte(k.CertPEM))
		if err != nil {
			return nil, fmt.Errorf("signing key %s: %w", k.ID, err)
		}
		ring.certs[k.ID] = certs[0]
	}
	return ring, nil
}

// Active returns the active key of the kind, or nil.
func (g *Ring) Active(kind string) *pubdata.SigningKey {
	for _, k := range g.Keys {
		if k.Kind == kind && k.Status == pubdata.KeyActive {
			return k
		}
	}
	return nil
}

// Find returns the key with the id, or nil.
func (g *Ring) Find(id string) *pubdata.SigningKey {
	for _, k := range g.Keys {
		if k.ID == id {
			return k
		}
	}
	return nil
}

// Cert returns the key's certificate (nil for a legacy key).
func (g *Ring) Cert(id string) *smx509.Certificate { return g.certs[id] }

// Issued returns the key's certificate with its opened private key.
func (g *Ring) Issued(k *pubdata.SigningKey) (*Issued, error) {
	c := g.certs[k.ID]
	if c == nil {
		return nil, fmt.Errorf("signing key %s has no certificate", k.ID)
	}
	if k.SealedKey == "" {
		return &Issued{Cert: c}, nil
	}
	if g.secrets == nil {
		return nil, errors.New("pki: no secrets key to open the private key")
	}
	pemText, err := g.secrets.Open(k.SealedKey)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w (is secrets-sm4.key the one the key was sealed with?)", k.ID, err)
	}
	priv, err := ParseKeyPEM([]byte(pemText))
	if err != nil {
		return nil, err
	}
	return &Issued{Cert: c, Key: priv}, nil
}

// Roots is every CA certificate that is not revoked: active, retired and imported roots.
func (g *Ring) Roots() *smx509.CertPool {
	pool := smx509.NewCertPool()
	for _, k := range g.Keys {
		if k.Kind == pubdata.KeyKindCA && k.Status != pubdata.KeyRevoked && g.certs[k.ID] != nil {
			pool.AddCert(g.certs[k.ID])
		}
	}
	return pool
}

// RootsPEM is the PEM of every CA certificate that is not revoked, the newest first: what
// a third party needs to check the platform's signatures offline.
func (g *Ring) RootsPEM() []byte {
	var out []byte
	for i := len(g.Keys) - 1; i >= 0; i-- {
		k := g.Keys[i]
		if k.Kind == pubdata.KeyKindCA && k.Status != pubdata.KeyRevoked {
			out = append(out, k.CertPEM...)
		}
	}
	return out
}

// Revoked returns the revocation of a certificate's serial, if it is revoked.
func (g *Ring) Revoked(serial string) *pubdata.SigningKey {
	if k := g.Find(serial); k != nil && k.Status == pubdata.KeyRevoked {
		return k
	}
	return nil
}

// Signer returns the active signing certificate with its key and the chain above it (not
// the root).
func (g *Ring) Signer() (*Issued, []*smx509.Certificate, error) {
	k := g.Active(pubdata.KeyKindSigning)
	if k == nil {
		return nil, nil, errors.New("pki: no active signing certificate (run pubdata certs init)")
	}
	is, err := g.Issued(k)
	if err != nil {
		return nil, nil, err
	}
	if is.Key == nil {
		return nil, nil, fmt.Errorf("pki: the private key of signing certificate %s is not held", k.ID)
	}
	var chain []*smx509.Certificate
	for issuer := g.Find(k.Issuer); issuer != nil && issuer.Issuer != "" && issuer.Issuer != issuer.ID; issuer = g.Find(issuer.Issuer) {
		chain = append(chain, g.certs[issuer.ID])
	}
	return is, chain, nil
}

// LegacyKeys returns the base64 PKIX public keys of pubdata-extract/v1 signatures.
func (g *Ring) LegacyKeys() []string {
	var out []string
	for _, k := range g.Keys {
		if k.Kind == pubdata.KeyKindLegacy && k.Status != pubdata.KeyRevoked {
			out = append(out, k.PublicKey)
		}
	}
	return out
}

// CRL makes the active CA's revocation list of the signing certificates it issued.
func (g *Ring) CRL(now time.Time) ([]byte, error) {
	ca := g.Active(pubdata.KeyKindCA)
	if ca == nil {
		return nil, errors.New("pki: no active CA")
	}
	is, err := g.Issued(ca)
	if err != nil {
		return nil, err
	}
	var revoked []Revoked
	for _, k := range g.Keys {
		if k.Issuer == ca.ID && k.Status == pubdata.KeyRevoked && k.RevokedAt != nil {
			revoked = append(revoked, Revoked{Serial: k.ID, Time: *k.RevokedAt, Reason: 0})
		}
	}
	sort.Slice(revoked, func(i, j int) bool { return revoked[i].Time.Before(revoked[j].Time) })
	return CRL(is, now.Unix(), revoked, now)
}

func (r *Keyring) seal(k *sm2.PrivateKey) (string, error) {
	p, err := KeyPEM(k)
	if err != nil {
		return "", err
	}
	if r.Secrets == nil {
		return "", errors.New("pki: no secrets key to seal the private key")
	}
	return r.Secrets.Seal(string(p))
}

func publicKey(c *smx509.Certificate) (string, error) {
	der, err := smx509.MarshalPKIXPublicKey(c.PublicKey)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(der), nil
}

func (r *Keyring) row(kind string, is *Issued, issuer string) (*pubdata.SigningKey, error) {
	pub, err := publicKey(is.Cert)
	if err != nil {
		return nil, err
	}
	k := &pubdata.SigningKey{ID: Serial(is.Cert), Kind: kind, Subject: is.Cert.Subject.String(), Issuer: issuer, CertPEM: string(CertPEM(is.Cert)),
		PublicKey: pub, NotBefore: is.Cert.NotBefore.UTC(), NotAfter: is.Cert.NotAfter.UTC(), Status: pubdata.KeyActive}
	if is.Key != nil {
		if k.SealedKey, err = r.seal(is.Key); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// Setup makes the platform CA and a signing certificate when there is no active one (the
// first start, `pubdata certs init`); a node that loses the race to another reads the
// other's. It returns the keyring as it then is.
func (r *Keyring) Setup(ctx context.Context, platform string) (*Ring, error) {
	g, err := r.Load(ctx)
	if err != nil {
		return nil, err
	}
	if g.Active(pubdata.KeyKindCA) == nil {
		root, err := NewRoot(platform+" CA", platform, r.now(), RootValidity)
		if err != nil {
			return nil, err
		}
		row, err := r.row(pubdata.KeyKindCA, root, "")
		if err != nil {
			return nil, err
		}
		if err := r.Store.AddSigningKey(ctx, row, false); err != nil && !isUnique(err) {
			return nil, err
		}
		if g, err = r.Load(ctx); err != nil {
			return nil, err
		}
	}
	if g.Active(pubdata.KeyKindSigning) == nil {
		if _, err := r.issue(ctx, g, platform, false); err != nil && !isUnique(err) {
			return nil, err
		}
	}
	return r.Load(ctx)
}

// isUnique reports a conflict: another node added the same kind of active key first.
func isUnique(err error) bool {
	return err != nil && (pubdata.ErrorCode(err) == pubdata.ECONFLICT ||
		strings.Contains(err.Error(), "UNIQUE constraint failed") || strings.Contains(err.Error(), "SQLSTATE 23505"))
}

// Rotate issues a new signing certificate from the active CA; the previous one is retired
// (what it signed still verifies).
func (r *Keyring) Rotate(ctx context.Context, platform string) (*pubdata.SigningKey, error) {
	g, err := r.Load(ctx)
	if err != nil {
		return nil, err
	}
	return r.issue(ctx, g, platform, true)
}

func (r *Keyring) issue(ctx context.Context, g *Ring, platform string, replace bool) (*pubdata.SigningKey, error) {
	ca := g.Active(pubdata.KeyKindCA)
	if ca == nil {
		return nil, errors.New("pki: no active CA (run pubdata certs init)")
	}
	caIssued, err := g.Issued(ca)
	if err != nil {
		return nil, err
	}
	if caIssued.Key == nil {
		return nil, errors.New("pki: the active CA's private key is not held: import a signing certificate issued by it (pubdata certs import)")
	}
	s, err := IssueSigning(caIssued, platform+" document signing", platform, r.now(), SigningValidity)
	if err != nil {
		return nil, err
	}
	row, err := r.row(pubdata.KeyKindSigning, s, ca.ID)
	if err != nil {
		return nil, err
	}
	return row, r.Store.AddSigningKey(ctx, row, replace)
}

// Import adds an organisation's certificates issued by its own CA: the chain (root first
// or last, in any order) and the signing certificate's private key. The root becomes the
// active CA (the platform's own stays trusted, retired) and the signing certificate the
// active one.
func (r *Keyring) Import(ctx context.Context, chainPEM, keyPEM []byte) (*pubdata.SigningKey, error) {
	certs, err := ParseCertsPEM(chainPEM)
	if err != nil {
		return nil, err
	}
	priv, err := ParseKeyPEM(keyPEM)
	if err != nil {
		return nil, err
	}
	var leaf *smx509.Certificate
	for _, c := range certs {
		if pk, ok := c.PublicKey.(interface{ Equal(any) bool }); ok && pk.Equal(&priv.PublicKey) {
			leaf = c
		}
	}
	if leaf == nil {
		return nil, errors.New("pki: no certificate of the chain is the private key's")
	}
	var root *smx509.Certificate
	var inter []*smx509.Certificate
	for _, c := range certs {
		switch {
		case c == leaf:
		case c.IsCA && string(c.RawIssuer) == string(c.RawSubject):
			root = c
		default:
			inter = append(inter, c)
		}
	}
	if root == nil {
		return nil, errors.New("pki: the chain has no self-signed root CA certificate")
	}
	roots := smx509.NewCertPool()
	roots.AddCert(root)
	ip := smx509.NewCertPool()
	for _, c := range inter {
		ip.AddCert(c)
	}
	if _, err := leaf.Verify(smx509.VerifyOptions{Roots: roots, Intermediates: ip, CurrentTime: r.now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return nil, fmt.Errorf("pki: the signing certificate does not chain to the root: %w", err)
	}
	if len(inter) > 0 {
		return nil, errors.New("pki: intermediate CAs are not supported yet: import a signing certificate issued by the root")
	}
	g, err := r.Load(ctx)
	if err != nil {
		return nil, err
	}
	if g.Find(Serial(root)) == nil {
		row, err := r.row(pubdata.KeyKindCA, &Issued{Cert: root}, "")
		if err != nil {
			return nil, err
		}
		if err := r.Store.AddSigningKey(ctx, row, true); err != nil {
			return nil, err
		}
	}
	row, err := r.row(pubdata.KeyKindSigning, &Issued{Cert: leaf, Key: priv}, Serial(root))
	if err != nil {
		return nil, err
	}
	return row, r.Store.AddSigningKey(ctx, row, true)
}

// ImportLegacy adds the public key of a pubdata-extract/v1 key (base64 PKIX DER), so that
// every node verifies the extracts signed with it; nothing if it is there.
func (r *Keyring) ImportLegacy(ctx context.Context, pub string) error {
	der, err := base64.StdEncoding.DecodeString(pub)
	if err != nil {
		return err
	}
	sum := sm3.Sum(der)
	id := "legacy-" + hex.EncodeToString(sum[:8])
	g, err := r.Load(ctx)
	if err != nil {
		return err
	}
	if g.Find(id) != nil {
		return nil
	}
	err = r.Store.AddSigningKey(ctx, &pubdata.SigningKey{ID: id, Kind: pubdata.KeyKindLegacy, Subject: "pubdata-extract/v1 key", PublicKey: pub,
		NotBefore: time.Unix(0, 0).UTC(), NotAfter: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), Status: pubdata.KeyRetired}, false)
	if isUnique(err) {
		return nil
	}
	return err
}
