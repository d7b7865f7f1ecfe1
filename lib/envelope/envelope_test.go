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

// TestEntryKeysKnownAnswers: the blind index of a value under fixed key material, and the
// opening of a value sealed under it, stay what stored tables hold (a change of either
// would strand every encrypted table).
func TestEntryKeysKnownAnswers(t *testing.T) {
	material := make([]byte, 48)
	for i := range material {
		material[i] = byte(i)
	}
	k, err := NewEntryKeys("01a24eae-2a06-7221-ab06-366a15c19cab", material)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ column, text, index string }{
		{"uscc", "91350100MA2Y0000X1", "4H3PydEAdcXZ0omWcgsURQ"},
		{"legal_rep", "林晓雯", "uZ2rG7f2X_qC45cuH6-C9w"},
		{"sfzh", "", "vTwAoezAkaHa7lf0pfxmIA"},
	} {
		if got := k.Index(c.column, c.text); got != c.index {
			t.Errorf("Index(%q, %q) = %q, want %q", c.column, c.text, got, c.index)
		}
		ct, err := k.Encrypt(c.column, c.text)
		if err != nil {
			t.Fatal(err)
		}
		if p, err := k.Decrypt(c.column, ct); err != nil || p != c.text {
			t.Errorf("Decrypt(Encrypt(%q)) = %q, %v", c.text, p, err)
		}
	}
	const sealed = "e1:i/wbYdErD9UAAAAB5HUCbxtMbw/8AiQ5WdABZYqHT4pzWHVvyh8kRdgUIKb7pQ" // Encrypt("uscc", "91350100MA2Y0000X1") under this material
	if p, err := k.Decrypt("uscc", sealed); err != nil || p != "91350100MA2Y0000X1" {
		t.Errorf("Decrypt of a stored value = %q, %v", p, err)
	}
}
