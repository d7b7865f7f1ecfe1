// Package sealed encrypts secrets at rest (the DSNs of pull sources, the credentials of
// service interfaces) with SM4-GCM (GB/T 32907) under a key kept in the data folder. Every
// server of a cluster needs the same key file, as for the audit key.
package sealed

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/emmansun/gmsm/sm4"
)

// KeyFile is the name of the SM4 key in the data folder: 32 hex digits, mode 0600.
const KeyFile = "secrets-sm4.key"

// prefix marks sealed text and its format version.
const prefix = "sm4gcm1:"

// Key seals and opens secrets.
type Key struct{ aead cipher.AEAD }

// LoadOrCreateKey reads dir/KeyFile, generating and writing it (mode 0600) if absent.
func LoadOrCreateKey(dir string) (*Key, error) {
	path := filepath.Join(dir, KeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		raw := make([]byte, 16)
		if _, err := rand.Read(raw); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("secrets key: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return LoadOrCreateKey(dir) // another process wrote it first
		} else if err != nil {
			return nil, fmt.Errorf("secrets key: %w", err)
		}
		if _, err := f.WriteString(hex.EncodeToString(raw) + "\n"); err != nil {
			f.Close()
			return nil, fmt.Errorf("secrets key: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("secrets key: %w", err)
		}
		return NewKey(raw)
	} else if err != nil {
		return nil, fmt.Errorf("secrets key: %w", err)
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(raw) != 16 {
		return nil, fmt.Errorf("secrets key %s: not 32 hex digits", path)
	}
	return NewKey(raw)
}

// NewKey returns a key from 16 raw bytes.
func NewKey(raw []byte) (*Key, error) {
	block, err := sm4.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("secrets key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secrets key: %w", err)
	}
	return &Key{aead: aead}, nil
}

// Seal encrypts plain; the result is printable text that only Open with the same key reads.
func (k *Key) Seal(plain string) (string, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := k.aead.Seal(nonce, nonce, []byte(plain), nil)
	return prefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts what Seal returned; an error for text sealed with another key or altered.
func (k *Key) Open(sealed string) (string, error) {
	if !strings.HasPrefix(sealed, prefix) {
		return "", errors.New("sealed secret: unknown format")
	}
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, prefix))
	if err != nil || len(b) < k.aead.NonceSize() {
		return "", errors.New("sealed secret: corrupt")
	}
	n := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, b[:n], b[n:], nil)
	if err != nil {
		return "", errors.New("sealed secret: wrong key or altered")
	}
	return string(plain), nil
}
