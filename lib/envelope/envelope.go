// Package envelope encrypts the values of graded data items at rest (G3) with envelope keys:
// each entry has its own data key (SM4, GB/T 32907) and blind-index key (HMAC-SM3, GB/T
// 32905), kept in the database wrapped (SM4-GCM) by a master key that never is. The master
// key comes from a file in the data folder (MasterKeyFile), from the environment
// (PUBDATA_MASTER_KEY), or from a key service (the KeyService interface).
//
// A value is encrypted with SM4-GCM under its entry's data key and a random nonce, bound to
// its entry and column (the additional data), so a ciphertext moved to another column or
// entry does not open. Beside it the store keeps a blind index: HMAC-SM3 under the entry's
// index key of the column and the value's canonical text, so equal values have equal
// indexes (key lookups, equality filters, uniqueness) and nothing else about the value
// shows.
package envelope

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"unsafe"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

// MasterKeyFile is the name of the master key in the data folder: 32 hex digits, mode 0600.
// Retired master keys (after a rotation) are kept beside it as MasterKeyFile + "." + their
// id, so that data keys not yet re-wrapped and older backups still open.
const MasterKeyFile = "master-sm4.key"

// EnvMasterKey names the environment variable that, when set, holds the master key (32 hex
// digits) instead of the file; EnvRetiredKeys holds retired keys, comma-separated.
const (
	EnvMasterKey   = "PUBDATA_MASTER_KEY"
	EnvRetiredKeys = "PUBDATA_MASTER_KEY_RETIRED"
)

// KeyService wraps and unwraps data keys with a master key it holds (a key management
// service or hardware module). The platform never sees that key. Only the interface is
// provided; LocalKeys implements it with a key in a file or the environment.
type KeyService interface {
	// KeyID names the master key new wraps use.
	KeyID() string
	// Wrap encrypts a data key under the current master key.
	Wrap(plain []byte) ([]byte, error)
	// Unwrap decrypts a data key wrapped under the master key named id.
	Unwrap(id string, wrapped []byte) ([]byte, error)
}

// LocalKeys is a KeyService with the master keys in hand: the current one and retired ones.
type LocalKeys struct {
	current string
	keys    map[string]cipher.AEAD
	raw     map[string][]byte
	// Source says where the current key came from (a file path or the variable's name).
	Source string
}

var _ KeyService = (*LocalKeys)(nil)

// KeyID returns the id of a raw master key: the first 8 bytes of its SM3 digest, in hex.
func KeyID(raw []byte) string {
	d := sm3.Sum(append([]byte("pubdata master key\x00"), raw...))
	return hex.EncodeToString(d[:8])
}

// NewLocalKeys returns the key service of the raw current master key and retired ones.
func NewLocalKeys(current []byte, retired ...[]byte) (*LocalKeys, error) {
	k := &LocalKeys{keys: map[string]cipher.AEAD{}, raw: map[string][]byte{}}
	for i, raw := range append([][]byte{current}, retired...) {
		a, err := newAEAD(raw)
		if err != nil {
			return nil, fmt.Errorf("master key: %w", err)
		}
		id := KeyID(raw)
		if i == 0 {
			k.current = id
		}
		k.keys[id], k.raw[id] = a, raw
	}
	return k, nil
}

func newAEAD(raw []byte) (cipher.AEAD, error) {
	if len(raw) != 16 {
		return nil, errors.New("an SM4 key is 16 bytes (32 hex digits)")
	}
	b, err := sm4.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// KeyID implements KeyService.
func (k *LocalKeys) KeyID() string { return k.current }

// Wrap implements KeyService.
func (k *LocalKeys) Wrap(plain []byte) ([]byte, error) {
	return seal(k.keys[k.current], plain, []byte("pubdata data key "+k.current))
}

// Unwrap implements KeyService.
func (k *LocalKeys) Unwrap(id string, wrapped []byte) ([]byte, error) {
	a, ok := k.keys[id]
	if !ok {
		return nil, fmt.Errorf("master key %s is not configured (the current one is %s): put the retired key file %s.%s beside %s or in %s", id, k.current, MasterKeyFile, id, MasterKeyFile, EnvRetiredKeys)
	}
	p, err := open(a, wrapped, []byte("pubdata data key "+id))
	if err != nil {
		return nil, fmt.Errorf("data key under master key %s: %w", id, err)
	}
	return p, nil
}

// Retired returns the ids of the retired keys, sorted.
func (k *LocalKeys) Retired() []string {
	var out []string
	for id := range k.keys {
		if id != k.current {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// NewMasterKey returns 16 random bytes.
func NewMasterKey() ([]byte, error) {
	raw := make([]byte, 16)
	_, err := rand.Read(raw)
	return raw, err
}

// ParseKey reads 32 hex digits.
func ParseKey(s string) ([]byte, error) {
	raw, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(raw) != 16 {
		return nil, errors.New("not 32 hex digits")
	}
	return raw, nil
}

// LoadOrCreate returns the master keys: from the environment when EnvMasterKey is set (and
// EnvRetiredKeys), else from dir/MasterKeyFile, written (mode 0600) with a new random key if
// absent, and the retired key files beside it.
func LoadOrCreate(dir string) (*LocalKeys, error) {
	if v := os.Getenv(EnvMasterKey); v != "" {
		cur, err := ParseKey(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvMasterKey, err)
		}
		var retired [][]byte
		for _, s := range strings.Split(os.Getenv(EnvRetiredKeys), ",") {
			if strings.TrimSpace(s) == "" {
				continue
			}
			r, err := ParseKey(s)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", EnvRetiredKeys, err)
			}
			retired = append(retired, r)
		}
		k, err := NewLocalKeys(cur, retired...)
		if k != nil {
			k.Source = EnvMasterKey
		}
		return k, err
	}
	path := filepath.Join(dir, MasterKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		raw, err := NewMasterKey()
		if err != nil {
			return nil, err
		}
		if err := WriteKeyFile(path, raw); errors.Is(err, fs.ErrExist) {
			return LoadOrCreate(dir) // another process wrote it first
		} else if err != nil {
			return nil, err
		}
		b = []byte(hex.EncodeToString(raw))
	} else if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	cur, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("master key %s: %w", path, err)
	}
	olds, _ := filepath.Glob(path + ".*")
	var retired [][]byte
	for _, p := range olds {
		if strings.HasSuffix(p, ".tmp") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("retired master key: %w", err)
		}
		r, err := ParseKey(string(b))
		if err != nil {
			return nil, fmt.Errorf("retired master key %s: %w", p, err)
		}
		retired = append(retired, r)
	}
	k, err := NewLocalKeys(cur, retired...)
	if k != nil {
		k.Source = path
	}
	return k, err
}

// WriteKeyFile writes raw as 32 hex digits to path (mode 0600), failing with fs.ErrExist if
// the file exists; the file and its folder are synced.
func WriteKeyFile(path string, raw []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("master key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(hex.EncodeToString(raw) + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("master key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("master key: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("master key: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// RotateFile makes raw the current master key in dir: the current file is kept as a
// retired key (MasterKeyFile + "." + its id) and raw written in its place, so that every
// key stays at hand whatever happens next; the data keys are then re-wrapped by the caller.
func RotateFile(dir string, raw []byte) error {
	path := filepath.Join(dir, MasterKeyFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("master key: %w", err)
	}
	cur, err := ParseKey(string(b))
	if err != nil {
		return fmt.Errorf("master key %s: %w", path, err)
	}
	old := path + "." + KeyID(cur)
	if err := WriteKeyFile(old, cur); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	tmp := path + ".tmp"
	os.Remove(tmp)
	if err := WriteKeyFile(tmp, raw); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("master key: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// EntryKeys are an entry's unwrapped keys: the data key and the blind-index key.
type EntryKeys struct {
	entry string
	aead  cipher.AEAD
	index []byte
	pool  sync.Pool // hash.Hash: HMAC-SM3 under index
	bufs  sync.Pool // *[]byte: Encrypt's and Index's working buffer

	// Nonces are 8 random bytes drawn once per 2^32 encryptions followed by a 4-byte
	// counter (the deterministic construction of NIST SP 800-38D 8.2.1, with a random
	// field): unique under the key without a system call per value.
	mu     sync.Mutex
	prefix [8]byte
	count  uint32
}

// nonce writes a fresh nonce into b (12 bytes).
func (k *EntryKeys) nonce(b []byte) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.count == 0 {
		if _, err := rand.Read(k.prefix[:]); err != nil {
			return err
		}
	}
	k.count++
	copy(b, k.prefix[:])
	b[8], b[9], b[10], b[11] = byte(k.count>>24), byte(k.count>>16), byte(k.count>>8), byte(k.count)
	return nil
}

// NewEntryKeyMaterial returns fresh key material for an entry: a 16-byte data key followed
// by a 32-byte index key.
func NewEntryKeyMaterial() ([]byte, error) {
	b := make([]byte, 48)
	_, err := rand.Read(b)
	return b, err
}

// NewEntryKeys returns the keys of entry from their material (NewEntryKeyMaterial).
func NewEntryKeys(entry string, material []byte) (*EntryKeys, error) {
	if len(material) != 48 {
		return nil, errors.New("entry key material is 48 bytes")
	}
	a, err := newAEAD(material[:16])
	if err != nil {
		return nil, err
	}
	k := &EntryKeys{entry: entry, aead: a, index: append([]byte(nil), material[16:]...)}
	k.pool.New = func() any { return hmac.New(sm3.New, k.index) }
	k.bufs.New = func() any { b := make([]byte, 0, 256); return &b }
	return k, nil
}

// Prefix marks an encrypted value's text and its format version.
const Prefix = "e1:"

func (k *EntryKeys) aad(column string) []byte {
	return []byte(k.entry + "\x00" + column)
}

// Encrypt returns the stored text of the value text of column: Prefix and the base64 of
// nonce, ciphertext and tag. A load seals two values a row (bench ingest: 2,000,000 calls),
// so the AAD, the plaintext and the sealed bytes share one pooled buffer, and the text is
// built once.
func (k *EntryKeys) Encrypt(column, text string) (string, error) {
	bp := k.bufs.Get().(*[]byte)
	defer k.bufs.Put(bp)
	n, o := k.aead.NonceSize(), k.aead.Overhead()
	// The buffer: AAD (entry 0x00 column), nonce, plaintext sealed in place (ciphertext, tag).
	b := append((*bp)[:0], k.entry...)
	b = append(b, 0)
	b = append(b, column...)
	na := len(b)
	b = slices.Grow(b, n+len(text)+o)[:na+n]
	if err := k.nonce(b[na:]); err != nil {
		return "", err
	}
	b = append(b, text...)
	plain := b[na+n:]
	ct := k.aead.Seal(plain[:0], b[na:na+n], plain, b[:na]) // in b's capacity (Grow above)
	sealed := b[na : na+n+len(ct)]
	keepBuffer(bp, b)
	out := make([]byte, len(Prefix)+base64.RawStdEncoding.EncodedLen(len(sealed)))
	copy(out, Prefix)
	base64.RawStdEncoding.Encode(out[len(Prefix):], sealed)
	return unsafe.String(unsafe.SliceData(out), len(out)), nil // out is not written again
}

// Decrypt reads what Encrypt returned for column.
func (k *EntryKeys) Decrypt(column, stored string) (string, error) {
	if !strings.HasPrefix(stored, Prefix) {
		return "", errors.New("encrypted value: unknown format")
	}
	b, err := base64.RawStdEncoding.DecodeString(stored[len(Prefix):])
	if err != nil {
		return "", errors.New("encrypted value: corrupt")
	}
	p, err := open(k.aead, b, k.aad(column))
	if err != nil {
		return "", fmt.Errorf("encrypted value of %s: %w", column, err)
	}
	return string(p), nil
}

// Index returns the blind index of the value text of column: the first 16 bytes of
// HMAC-SM3(index key, column 0x00 text), base64 (22 characters).
func (k *EntryKeys) Index(column, text string) string {
	h := k.pool.Get().(hash.Hash)
	bp := k.bufs.Get().(*[]byte)
	b := append((*bp)[:0], column...)
	b = append(b, 0)
	b = append(b, text...)
	h.Reset()
	h.Write(b)
	b = h.Sum(b[:0])
	var out [22]byte
	base64.RawURLEncoding.Encode(out[:], b[:16])
	keepBuffer(bp, b)
	k.bufs.Put(bp)
	k.pool.Put(h)
	return string(out[:])
}

// keepBuffer keeps b as the pooled buffer bp unless a long value grew it past 64 KiB.
func keepBuffer(bp *[]byte, b []byte) {
	if cap(b) <= 64<<10 {
		*bp = b[:0]
	}
}

func seal(a cipher.AEAD, plain, aad []byte) ([]byte, error) {
	out := make([]byte, a.NonceSize(), a.NonceSize()+len(plain)+a.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, err
	}
	return a.Seal(out, out, plain, aad), nil
}

func open(a cipher.AEAD, b, aad []byte) ([]byte, error) {
	n := a.NonceSize()
	if len(b) < n+a.Overhead() {
		return nil, errors.New("corrupt")
	}
	p, err := a.Open(nil, b[:n], b[n:], aad)
	if err != nil {
		return nil, errors.New("wrong key or altered")
	}
	return p, nil
}
