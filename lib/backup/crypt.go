package backup

import (
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/emmansun/gmsm/sm4"
	"golang.org/x/crypto/argon2"
)

// The keys and certificates of a backup are encrypted with SM4-GCM (GB/T 32907, the
// commercial cipher the platform's secrets already use) under a key derived from the backup
// passphrase with Argon2id (RFC 9106), salted afresh for every backup. Each encrypted part
// is nonce ‖ ciphertext ‖ tag, with the part's name as additional data, so a part cannot be
// swapped for another; a check value in the manifest tells a wrong passphrase from a
// damaged part.

// MinPassphrase is the shortest backup passphrase accepted, in characters.
const MinPassphrase = 12

// KDF is how the key was derived, as the manifest records it.
type KDF struct {
	Name    string `json:"name"` // "argon2id"
	Salt    []byte `json:"salt"`
	Time    uint32 `json:"time"`
	Memory  uint32 `json:"memory_kib"`
	Threads uint8  `json:"threads"`
	Cipher  string `json:"cipher"` // "SM4-GCM"
	Check   []byte `json:"check"`  // a known text sealed with the key
}

// Parameters of new backups: RFC 9106's second recommended option (64 MiB, 3 passes).
const (
	kdfTime    = 3
	kdfMemory  = 64 * 1024
	kdfThreads = 2
	checkText  = "pubdata-backup-key-check/v1"
	checkAD    = "check"
)

// ErrPassphrase is the error of a passphrase that is not the backup's.
var ErrPassphrase = errors.New("the backup passphrase is wrong: it does not open this backup's keys")

// crypter seals and opens the secret parts of one backup.
type crypter struct{ aead cipher.AEAD }

// CheckPassphrase returns an error for a passphrase too short to protect keys.
func CheckPassphrase(p string) error {
	if strings.TrimSpace(p) == "" {
		return errors.New("no backup passphrase: give --passphrase-file or PUBDATA_BACKUP_PASSPHRASE (keys are never written unencrypted)")
	}
	if n := len([]rune(p)); n < MinPassphrase {
		return fmt.Errorf("the backup passphrase has %d characters; use at least %d", n, MinPassphrase)
	}
	return nil
}

// newKDF derives a key for a new backup from the passphrase.
func newKDF(passphrase string) (*KDF, *crypter, error) {
	if err := CheckPassphrase(passphrase); err != nil {
		return nil, nil, err
	}
	k := &KDF{Name: "argon2id", Salt: make([]byte, 16), Time: kdfTime, Memory: kdfMemory, Threads: kdfThreads, Cipher: "SM4-GCM"}
	if _, err := rand.Read(k.Salt); err != nil {
		return nil, nil, err
	}
	c, err := k.crypter(passphrase)
	if err != nil {
		return nil, nil, err
	}
	if k.Check, err = c.seal([]byte(checkText), checkAD); err != nil {
		return nil, nil, err
	}
	return k, c, nil
}

// open derives the key of an existing backup, checking the passphrase.
func (k *KDF) open(passphrase string) (*crypter, error) {
	if k == nil || k.Name != "argon2id" || k.Cipher != "SM4-GCM" {
		return nil, errors.New("the manifest names no key derivation this version knows")
	}
	// Bounds, so that a forged manifest cannot make the restore spend hours or gigabytes.
	if k.Time < 1 || k.Time > 16 || k.Memory < 8*1024 || k.Memory > 1024*1024 || k.Threads < 1 || k.Threads > 16 || len(k.Salt) < 16 {
		return nil, errors.New("the manifest's key derivation parameters are out of bounds")
	}
	c, err := k.crypter(passphrase)
	if err != nil {
		return nil, err
	}
	if p, err := c.open(k.Check, checkAD); err != nil || string(p) != checkText {
		return nil, ErrPassphrase
	}
	return c, nil
}

func (k *KDF) crypter(passphrase string) (*crypter, error) {
	key := argon2.IDKey([]byte(passphrase), k.Salt, k.Time, k.Memory, k.Threads, 16)
	block, err := sm4.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &crypter{aead: aead}, nil
}

func (c *crypter) seal(plain []byte, ad string) ([]byte, error) {
	nonce := make([]byte, c.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return c.aead.Seal(nonce, nonce, plain, []byte("pubdata-backup/v1\x00"+ad)), nil
}

func (c *crypter) open(sealed []byte, ad string) ([]byte, error) {
	n := c.aead.NonceSize()
	if len(sealed) < n+c.aead.Overhead() {
		return nil, errors.New("encrypted part too short")
	}
	return c.aead.Open(nil, sealed[:n], sealed[n:], []byte("pubdata-backup/v1\x00"+ad))
}
