package envelope

import (
	"strings"
	"testing"
)

func testKeys(t testing.TB) *EntryKeys {
	m, err := NewEntryKeyMaterial()
	if err != nil {
		t.Fatal(err)
	}
	k, err := NewEntryKeys("e1", m)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func BenchmarkEncrypt(b *testing.B) {
	k := testKeys(b)
	b.ReportAllocs()
	for b.Loop() {
		k.Encrypt("sfzh", "11010519491231002X")
	}
}

func BenchmarkIndex(b *testing.B) {
	k := testKeys(b)
	b.ReportAllocs()
	for b.Loop() {
		k.Index("sfzh", "11010519491231002X")
	}
}

func BenchmarkDecrypt(b *testing.B) {
	k := testKeys(b)
	ct, _ := k.Encrypt("sfzh", "11010519491231002X")
	b.ReportAllocs()
	for b.Loop() {
		k.Decrypt("sfzh", ct)
	}
}

func TestEntryKeys(t *testing.T) {
	k := testKeys(t)
	ct, err := k.Encrypt("sfzh", "11010519491231002X")
	if err != nil || !strings.HasPrefix(ct, Prefix) || strings.Contains(ct, "11010519491231002X") {
		t.Fatalf("encrypt %q %v", ct, err)
	}
	ct2, _ := k.Encrypt("sfzh", "11010519491231002X")
	if ct == ct2 {
		t.Fatal("two encryptions of one value are equal")
	}
	if p, err := k.Decrypt("sfzh", ct); err != nil || p != "11010519491231002X" {
		t.Fatalf("decrypt %q %v", p, err)
	}
	if _, err := k.Decrypt("xm", ct); err == nil {
		t.Fatal("a value opened under another column")
	}
	other := testKeys(t)
	if _, err := other.Decrypt("sfzh", ct); err == nil {
		t.Fatal("a value opened under another entry's key")
	}
	if k.Index("sfzh", "a") != k.Index("sfzh", "a") || k.Index("sfzh", "a") == k.Index("xm", "a") || k.Index("sfzh", "a") == other.Index("sfzh", "a") {
		t.Fatal("blind indexes: equal values must match, columns and entries differ")
	}
}

func TestMasterKeys(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvMasterKey, "")
	k1, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadOrCreate(dir)
	if err != nil || again.KeyID() != k1.KeyID() {
		t.Fatalf("the file's key changed: %v", err)
	}
	m, _ := NewEntryKeyMaterial()
	w, err := k1.Wrap(m)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := NewMasterKey()
	if err := RotateFile(dir, raw); err != nil {
		t.Fatal(err)
	}
	k2, err := LoadOrCreate(dir)
	if err != nil || k2.KeyID() != KeyID(raw) || len(k2.Retired()) != 1 || k2.Retired()[0] != k1.KeyID() {
		t.Fatalf("after rotation: %v %v", k2, err)
	}
	if p, err := k2.Unwrap(k1.KeyID(), w); err != nil || string(p) != string(m) {
		t.Fatalf("a retired key unwraps: %v", err)
	}
	alone, _ := NewLocalKeys(raw)
	if _, err := alone.Unwrap(k1.KeyID(), w); err == nil || !strings.Contains(err.Error(), MasterKeyFile) {
		t.Fatalf("unwrap without the retired key: %v", err)
	}
	t.Setenv(EnvMasterKey, "00112233445566778899aabbccddeeff")
	env, err := LoadOrCreate(dir)
	if err != nil || env.Source != EnvMasterKey || env.KeyID() == k2.KeyID() {
		t.Fatalf("environment key: %v %v", env, err)
	}
	t.Setenv(EnvMasterKey, "short")
	if _, err := LoadOrCreate(dir); err == nil {
		t.Fatal("a bad key was accepted")
	}
}
