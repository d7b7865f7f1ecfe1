package sealed

import (
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	dir := t.TempDir()
	k, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := k.Seal("mysql://root:secret@127.0.0.1/test")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s, "secret") {
		t.Fatalf("sealed text shows the secret: %s", s)
	}
	k2, err := LoadOrCreateKey(dir) // the same file
	if err != nil {
		t.Fatal(err)
	}
	if p, err := k2.Open(s); err != nil || p != "mysql://root:secret@127.0.0.1/test" {
		t.Fatalf("Open = %q, %v", p, err)
	}
	other, _ := LoadOrCreateKey(t.TempDir())
	if _, err := other.Open(s); err == nil {
		t.Fatal("another key opened the secret")
	}
	if _, err := k.Open(s[:len(s)-2] + "AA"); err == nil {
		t.Fatal("an altered secret opened")
	}
}
