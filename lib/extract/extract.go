// Package extract signs and verifies extracts (D5): a record or a selection of rows a
// consumer obtained from the platform, as a document that can stand in for a paper copy.
// The document is canonical JSON (object keys sorted, no insignificant whitespace, no HTML
// escaping) signed with SM2 (GB/T 32918, SM3 digest, the default user id) by the
// platform's extract key, kept in the data folder beside the audit key.
package extract

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"github.com/pubdata/pubdata/lib/audit"
)

// KeyFile is the name of the SM2 extract-signing key in the data folder.
const KeyFile = "extract-sm2.pem"

// Format names the signed document's layout and what is signed.
const Format = "pubdata-extract/v1"

// Algorithm is the signature algorithm of a signed extract.
const Algorithm = "SM2-SM3"

// Document is what an extract says: which entry (and version) of which provider, the
// columns and rows as the requester could read them (masked as they were), who asked, for
// what purpose and when.
type Document struct {
	Entry        string    `json:"entry"`
	EntryTitle   string    `json:"entry_title"`
	EntryVersion int       `json:"entry_version"`
	Provider     string    `json:"provider"`
	ProviderName string    `json:"provider_name"`
	Columns      []string  `json:"columns"`
	Rows         [][]any   `json:"rows"`
	Requester    Requester `json:"requester"`
	Purpose      string    `json:"purpose"`
	Time         string    `json:"time"` // RFC 3339 UTC
	Platform     string    `json:"platform"`
}

// Requester is who obtained the extract.
type Requester struct {
	Username string `json:"username"`
	Org      string `json:"org,omitempty"`
	OrgName  string `json:"org_name,omitempty"`
}

// Signed is a signed extract: the canonical document, its signature and the public key.
type Signed struct {
	Format    string          `json:"format"`
	Document  json.RawMessage `json:"document"`
	Algorithm string          `json:"algorithm"`
	Signature string          `json:"signature,omitempty"`  // v1: base64 ASN.1 SM2 signature
	PublicKey string          `json:"public_key,omitempty"` // v1: base64 PKIX DER
	CMS       string          `json:"cms,omitempty"`        // v2 and certificates: base64 DER detached CMS SignedData
	Digest    string          `json:"digest"`               // hex SM3 of the canonical document (not signed; informative)
}

// Canonical returns the canonical form of a JSON value: object keys sorted by their UTF-8
// bytes, numbers as written, no insignificant whitespace, no HTML escaping. Trailing data
// is an error.
func Canonical(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("not JSON: data after the value")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Digest is the hex SM3 digest of b.
func Digest(b []byte) string {
	h := sm3.Sum(b)
	return hex.EncodeToString(h[:])
}

// signedText is what the signature covers: the format line and the canonical document.
func signedText(canonical []byte) []byte {
	return append([]byte(Format+"\n"), canonical...)
}

// Key signs extracts and verifies them against itself.
type Key struct {
	priv *sm2.PrivateKey
	pub  string
}

// LoadOrCreateKey reads dir/KeyFile, generating and writing it (mode 0600) if absent.
func LoadOrCreateKey(dir string) (*Key, error) {
	priv, err := audit.LoadOrCreateSM2(dir, KeyFile)
	if err != nil {
		return nil, fmt.Errorf("extract key: %w", err)
	}
	return newKey(priv)
}

// NewKey generates a key that is kept nowhere (tests).
func NewKey() (*Key, error) {
	priv, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return newKey(priv)
}

func newKey(priv *sm2.PrivateKey) (*Key, error) {
	der, err := smx509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	return &Key{priv: priv, pub: base64.StdEncoding.EncodeToString(der)}, nil
}

// PublicKey returns the base64 PKIX DER public key.
func (k *Key) PublicKey() string { return k.pub }

// Sign returns the signed extract of d.
func (k *Key) Sign(d *Document) (*Signed, error) {
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	c, err := Canonical(raw)
	if err != nil {
		return nil, err
	}
	sig, err := k.priv.Sign(rand.Reader, signedText(c), sm2.NewSM2SignerOption(true, nil))
	if err != nil {
		return nil, fmt.Errorf("extract: sign: %w", err)
	}
	return &Signed{Format: Format, Document: c, Algorithm: Algorithm, Signature: base64.StdEncoding.EncodeToString(sig), PublicKey: k.pub, Digest: Digest(c)}, nil
}

// Invalid is why a signed extract does not verify; its message is for the person checking.
// Key and Args, when set, are the message's locale key and its arguments.
type Invalid struct {
	Reason string
	Key    string
	Args   []any
}

func (e *Invalid) Error() string { return e.Reason }

func invalid(format string, args ...any) error { return &Invalid{Reason: fmt.Sprintf(format, args...)} }

func invalidKey(key, format string, args ...any) error {
	return &Invalid{Reason: fmt.Sprintf(format, args...), Key: key}
}

// Verify checks a signed extract (the JSON of Signed) against this key: the format, that
// it was signed with this platform's key, and the signature over the canonical form of the
// document as given. It returns the document; an *Invalid error says why it is not valid.
func (k *Key) Verify(raw []byte) (*Document, error) {
	var s Signed
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, invalid("The extract is not a JSON signed extract: %v.", err)
	}
	switch {
	case s.Format != Format:
		return nil, invalid("The extract's format is %q, not %q.", s.Format, Format)
	case s.Algorithm != Algorithm:
		return nil, invalid("The extract's algorithm is %q, not %q.", s.Algorithm, Algorithm)
	case len(s.Document) == 0 || s.Document[0] != '{':
		return nil, invalid("The extract has no document object.")
	case strings.TrimSpace(s.Signature) == "":
		return nil, invalid("The extract has no signature.")
	case strings.TrimSpace(s.PublicKey) != k.pub:
		return nil, invalid("The extract was not signed with this platform's key.")
	}
	c, err := Canonical(s.Document)
	if err != nil {
		return nil, invalid("The extract's document is not valid JSON.")
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s.Signature))
	if err != nil {
		return nil, invalid("The extract's signature is not base64.")
	}
	if !sm2.VerifyASN1WithSM2(&k.priv.PublicKey, nil, signedText(c), sig) {
		return nil, invalid("The signature does not match the document: the extract was changed after it was signed.")
	}
	var d Document
	if err := json.Unmarshal(c, &d); err != nil {
		return nil, invalid("The extract's document does not have the fields of an extract.")
	}
	return &d, nil
}

// VerifyWithPublicKey checks the signature of a signed extract against a public key (base64
// PKIX DER) only, for a copy checked away from the platform.
func VerifyWithPublicKey(pub string, raw []byte) error {
	var s Signed
	if err := json.Unmarshal(raw, &s); err != nil {
		return invalid("The extract is not a JSON signed extract: %v.", err)
	}
	der, err := base64.StdEncoding.DecodeString(pub)
	if err != nil {
		return invalid("bad public key: %v", err)
	}
	pk, err := smx509.ParsePKIXPublicKey(der)
	if err != nil {
		return invalid("bad public key: %v", err)
	}
	ek, ok := pk.(*ecdsa.PublicKey)
	if !ok {
		return invalid("the public key is not SM2")
	}
	c, err := Canonical(s.Document)
	if err != nil {
		return invalid("The extract's document is not valid JSON.")
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s.Signature))
	if err != nil || !sm2.VerifyASN1WithSM2(ek, nil, signedText(c), sig) {
		return invalid("The signature does not match the document.")
	}
	return nil
}
