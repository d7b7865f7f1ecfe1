package extract

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/pubdata/pubdata/lib/pki"
)

// Signed documents of the second format are signed with the platform's document-signing
// certificate as a detached CMS/PKCS #7 SignedData (SM2-SM3, GM/T 0010), which carries the
// signer's certificate and the signing time: anyone with the platform's CA certificate
// checks it offline (`pubdata extract verify FILE --roots CA.pem`), and every node of a
// cluster checks it with the keyring in the shared database.

// Formats signed with a certificate.
const (
	FormatV2          = "pubdata-extract/v2"
	FormatCertificate = "pubdata-certificate/v1"
	// FormatRegistration is a data product's registration (备案登记) document.
	FormatRegistration = "pubdata-registration/v1"
	AlgorithmCMS       = "CMS-SM2-SM3"
)

// Content is what a CMS signature of a document covers: the format line and the canonical
// document.
func Content(format string, canonical []byte) []byte {
	return append([]byte(format+"\n"), canonical...)
}

// Verified is a document that verified: its format and canonical form, and who signed when.
type Verified struct {
	Format      string
	Document    json.RawMessage // canonical
	Extract     *Document       // for an extract (v1 or v2)
	Signer      string          // the signing certificate's subject ("" for v1)
	Serial      string          // its serial (hex)
	SigningTime time.Time       // from the signature (zero for v1)
	Legacy      bool            // a pubdata-extract/v1 extract, signed with a bare key
}

// Checker checks a verified signature's signer against what the checker knows of
// revocation: nil, or why the signature no longer counts.
type Checker func(serial string, signed time.Time) *Invalid

// parse reads the envelope and the canonical document.
func parse(raw []byte) (*Signed, []byte, error) {
	var s Signed
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, nil, invalidKey("verify.reason.not_json", "The document is not a signed JSON document: %v.", err)
	}
	if len(s.Document) == 0 || s.Document[0] != '{' {
		return nil, nil, invalidKey("verify.reason.no_document", "The document has no document object.")
	}
	c, err := Canonical(s.Document)
	if err != nil {
		return nil, nil, invalidKey("verify.reason.no_document", "The document is not valid JSON.")
	}
	return &s, c, nil
}

// VerifyCMS checks a signed document of a certificate-signed format against roots, and
// its signer with check (nil: no revocation check).
func VerifyCMS(raw []byte, roots *smx509.CertPool, check Checker) (*Verified, error) {
	s, c, err := parse(raw)
	if err != nil {
		return nil, err
	}
	if s.Format != FormatV2 && s.Format != FormatCertificate && s.Format != FormatRegistration {
		return nil, invalidKey("verify.reason.format", "The document's format is %q, not %q or %q.", s.Format, FormatV2, FormatCertificate)
	}
	if s.Algorithm != AlgorithmCMS {
		return nil, invalidKey("verify.reason.format", "The document's algorithm is %q, not %q.", s.Algorithm, AlgorithmCMS)
	}
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s.CMS))
	if err != nil || len(der) == 0 {
		return nil, invalidKey("verify.reason.no_signature", "The document has no CMS signature.")
	}
	sig, err := pki.Verify(der, Content(s.Format, c), roots)
	if err != nil {
		if errors.Is(err, pki.ErrBadSignature) {
			return nil, invalidKey("verify.reason.changed", "The signature does not match the document: it was changed after it was signed (%v).", err)
		}
		return nil, invalidKey("verify.reason.untrusted", "The signature is not from a certificate of this platform's CA (%v).", err)
	}
	v := &Verified{Format: s.Format, Document: c, Signer: sig.Signer.Subject.String(), Serial: pki.Serial(sig.Signer), SigningTime: sig.SigningTime}
	if check != nil {
		if inv := check(v.Serial, v.SigningTime); inv != nil {
			return nil, inv
		}
	}
	if s.Format == FormatV2 {
		var d Document
		if err := json.Unmarshal(c, &d); err != nil {
			return nil, invalidKey("verify.reason.no_document", "The extract's document does not have the fields of an extract.")
		}
		v.Extract = &d
	}
	return v, nil
}

// Service signs documents with the keyring's active signing certificate and verifies
// them with the keyring (every CA that is not revoked; a revoked signing certificate's
// documents are invalid).
type Service struct {
	Keys *pki.Keyring
}

// SignDocument signs v (marshalled to canonical JSON) in the format.
func (s *Service) SignDocument(ctx context.Context, format string, v any) (*Signed, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	c, err := Canonical(raw)
	if err != nil {
		return nil, err
	}
	cms, err := s.SignDetached(ctx, Content(format, c))
	if err != nil {
		return nil, err
	}
	return &Signed{Format: format, Document: c, Algorithm: AlgorithmCMS, CMS: base64.StdEncoding.EncodeToString(cms), Digest: Digest(c)}, nil
}

// Sign signs an extract (pubdata-extract/v2).
func (s *Service) Sign(ctx context.Context, d *Document) (*Signed, error) {
	return s.SignDocument(ctx, FormatV2, d)
}

// SignDetached returns the detached CMS signature (DER) of content.
func (s *Service) SignDetached(ctx context.Context, content []byte) ([]byte, error) {
	g, err := s.Keys.Load(ctx)
	if err != nil {
		return nil, err
	}
	signer, chain, err := g.Signer()
	if err != nil {
		return nil, err
	}
	return pki.Sign(content, signer, chain)
}

// revocationCheck is the keyring's: a revoked signing certificate (or its CA) makes every
// document it signed invalid.
func revocationCheck(g *pki.Ring) Checker {
	return func(serial string, _ time.Time) *Invalid {
		k := g.Revoked(serial)
		if k == nil {
			if f := g.Find(serial); f != nil {
				k = g.Revoked(f.Issuer)
			}
		}
		if k == nil || k.RevokedAt == nil {
			return nil
		}
		return &Invalid{Reason: fmt.Sprintf("The signing certificate %s was revoked on %s.", serial, k.RevokedAt.UTC().Format(time.RFC3339)),
			Key: "verify.reason.key_revoked", Args: []any{"Serial", serial, "Time", k.RevokedAt.UTC().Format(time.RFC3339)}}
	}
}

// Verify checks a signed document of any format the platform has signed: v2 extracts and
// certificates against the keyring, v1 extracts against the keyring's legacy keys.
func (s *Service) Verify(ctx context.Context, raw []byte) (*Verified, error) {
	g, err := s.Keys.Load(ctx)
	if err != nil {
		return nil, err
	}
	var head struct {
		Format string `json:"format"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, invalidKey("verify.reason.not_json", "The document is not a signed JSON document: %v.", err)
	}
	if head.Format == Format {
		return verifyLegacy(raw, g.LegacyKeys())
	}
	return VerifyCMS(raw, g.Roots(), revocationCheck(g))
}

// VerifyDetached checks a detached signature (DER CMS) of content, as Verify does.
func (s *Service) VerifyDetached(ctx context.Context, sig, content []byte) (*Verified, error) {
	g, err := s.Keys.Load(ctx)
	if err != nil {
		return nil, err
	}
	res, err := pki.Verify(sig, content, g.Roots())
	if errors.Is(err, pki.ErrUntrusted) {
		return nil, invalidKey("verify.reason.untrusted", "The signature is not from a certificate of this platform's CA (%v).", err)
	} else if err != nil {
		return nil, invalidKey("verify.reason.changed", "The signature does not match the file (%v).", err)
	}
	v := &Verified{Signer: res.Signer.Subject.String(), Serial: pki.Serial(res.Signer), SigningTime: res.SigningTime}
	if inv := revocationCheck(g)(v.Serial, v.SigningTime); inv != nil {
		return nil, inv
	}
	return v, nil
}

// verifyLegacy checks a pubdata-extract/v1 extract against the legacy public keys.
func verifyLegacy(raw []byte, keys []string) (*Verified, error) {
	var s Signed
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, invalid("The extract is not a JSON signed extract: %v.", err)
	}
	known := false
	for _, k := range keys {
		if strings.TrimSpace(s.PublicKey) == k {
			known = true
		}
	}
	if !known {
		return nil, invalid("The extract was not signed with this platform's key.")
	}
	if err := VerifyWithPublicKey(strings.TrimSpace(s.PublicKey), raw); err != nil {
		var inv *Invalid
		if errors.As(err, &inv) && strings.Contains(inv.Reason, "does not match") {
			return nil, invalid("The signature does not match the document: the extract was changed after it was signed.")
		}
		return nil, err
	}
	c, _ := Canonical(s.Document)
	var d Document
	if err := json.Unmarshal(c, &d); err != nil {
		return nil, invalid("The extract's document does not have the fields of an extract.")
	}
	return &Verified{Format: Format, Document: c, Extract: &d, Legacy: true}, nil
}
