package audit

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
)

// KeyFile is the name of the SM2 checkpoint-signing key in the data folder.
const KeyFile = "audit-sm2.pem"

// Key signs and verifies checkpoints with SM2 (GB/T 32918, default user id).
type Key struct {
	priv    *sm2.PrivateKey
	pub     string // base64 PKIX DER of the public key
	id      string // KeyID of pub
	sealKey []byte // seal.go
}

// Signer signs checkpoints. The platform's SM2 key in the data folder (Key) is one; a key
// with a certificate can replace it without touching the record.
type Signer interface {
	// PublicKey returns the base64 PKIX DER public key that verifies the signatures.
	PublicKey() string
	// KeyID names the public key: KeyID(PublicKey()).
	KeyID() string
	// Sign returns the base64 signature of the checkpoint body (CheckpointBody).
	Sign(size int64, root string, t time.Time) (string, error)
	// SignBody returns the base64 signature of an arbitrary body (a witness's cosignature).
	SignBody(body []byte) (string, error)
}

var _ Signer = (*Key)(nil)

// KeyID returns the hex SM3 of a base64 PKIX DER public key (RFC 9162's key id, with SM3);
// "" if pub is not base64.
func KeyID(pub string) string {
	der, err := base64.StdEncoding.DecodeString(pub)
	if err != nil {
		return ""
	}
	s := sm3.Sum(der)
	return hex.EncodeToString(s[:])
}

// LoadOrCreateKey reads dir/KeyFile, generating and writing it (mode 0600) if absent.
func LoadOrCreateKey(dir string) (*Key, error) {
	priv, err := LoadOrCreateSM2(dir, KeyFile)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	return newKey(priv)
}

// LoadOrCreateSM2 reads the SM2 private key in the PEM file dir/name (PKCS #8), generating
// and writing it (mode 0600) if absent; two processes starting at once end with the same key.
func LoadOrCreateSM2(dir, name string) (*sm2.PrivateKey, error) {
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createSM2(dir, name)
	} else if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: not a PEM PRIVATE KEY", path)
	}
	k, err := smx509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	priv, ok := k.(*sm2.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an SM2 key", path)
	}
	return priv, nil
}

func createSM2(dir, name string) (*sm2.PrivateKey, error) {
	priv, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := smx509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	// O_EXCL: two processes starting at once must not overwrite each other's key.
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadOrCreateSM2(dir, name)
	} else if err != nil {
		return nil, err
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return priv, nil
}

func newKey(priv *sm2.PrivateKey) (*Key, error) {
	der, err := smx509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	pub := base64.StdEncoding.EncodeToString(der)
	return &Key{priv: priv, pub: pub, id: KeyID(pub), sealKey: sealKey(priv.D.FillBytes(make([]byte, 32)))}, nil
}

// PublicKey returns the base64 PKIX DER public key.
func (k *Key) PublicKey() string { return k.pub }

// KeyID returns the key's id (KeyID of its public key).
func (k *Key) KeyID() string { return k.id }

// CheckpointBody is the signed text of a checkpoint.
func CheckpointBody(size int64, root, t string) []byte {
	return []byte("pubdata-audit-checkpoint/v1\n" + strconv.FormatInt(size, 10) + "\n" + root + "\n" + t + "\n")
}

// Sign returns the base64 SM2 signature of the checkpoint body.
func (k *Key) Sign(size int64, root string, t time.Time) (string, error) {
	return k.SignBody(CheckpointBody(size, root, t.UTC().Format(TimeFormat)))
}

// SignBody returns the base64 SM2 signature of body.
func (k *Key) SignBody(body []byte) (string, error) {
	sig, err := k.priv.Sign(rand.Reader, body, sm2.NewSM2SignerOption(true, nil))
	if err != nil {
		return "", fmt.Errorf("audit: sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// VerifySignature checks a checkpoint's signature against the public key pub (base64 PKIX DER).
func VerifySignature(pub string, size int64, root, t, sig string) error {
	return VerifyBody(pub, CheckpointBody(size, root, t), sig)
}

// VerifyBody checks the base64 SM2 signature sig of body against the public key pub.
func VerifyBody(pub string, body []byte, sig string) error {
	der, err := base64.StdEncoding.DecodeString(pub)
	if err != nil {
		return fmt.Errorf("bad public key: %w", err)
	}
	k, err := smx509.ParsePKIXPublicKey(der)
	if err != nil {
		return fmt.Errorf("bad public key: %w", err)
	}
	pk, ok := k.(*ecdsa.PublicKey)
	if !ok {
		return errors.New("public key is not SM2")
	}
	s, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sig))
	if err != nil {
		return fmt.Errorf("bad signature encoding: %w", err)
	}
	if !sm2.VerifyASN1WithSM2(pk, nil, body, s) {
		return errors.New("signature does not verify")
	}
	return nil
}
