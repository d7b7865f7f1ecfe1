package fingerprint

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeyFile is the name of the platform's fingerprint secret in the data folder: 64 hex
// digits, mode 0600. Every server of a cluster needs the same file, and a trace needs the
// file the copy was marked under.
const KeyFile = "fingerprint.key"

// LoadOrCreateKey reads dir/KeyFile, generating and writing it (mode 0600) if absent.
func LoadOrCreateKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, KeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		raw := make([]byte, 32)
		if _, err := rand.Read(raw); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("fingerprint key: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return LoadOrCreateKey(dir) // another process wrote it first
		} else if err != nil {
			return nil, fmt.Errorf("fingerprint key: %w", err)
		}
		if _, err := f.WriteString(hex.EncodeToString(raw) + "\n"); err != nil {
			f.Close()
			return nil, fmt.Errorf("fingerprint key: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("fingerprint key: %w", err)
		}
		return raw, nil
	} else if err != nil {
		return nil, fmt.Errorf("fingerprint key: %w", err)
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(raw) < 16 {
		return nil, fmt.Errorf("fingerprint key %s: not at least 32 hex digits", path)
	}
	return raw, nil
}
