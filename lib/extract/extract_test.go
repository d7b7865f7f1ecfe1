package extract

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		`{"b":1, "a":[1.50, "x<y&z", {"d":null,"c":true}]}`: `{"a":[1.50,"x<y&z",{"c":true,"d":null}],"b":1}`,
		` "张三" `: `"张三"`,
	} {
		got, err := Canonical([]byte(in))
		if err != nil || string(got) != want {
			t.Errorf("Canonical(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{`{"a":1} {}`, `{"a":`, ``} {
		if _, err := Canonical([]byte(bad)); err == nil {
			t.Errorf("Canonical(%q) succeeded", bad)
		}
	}
}

func sample() *Document {
	return &Document{Entry: "e1", EntryTitle: "企业登记信息", EntryVersion: 2, Provider: "fz-scj", ProviderName: "福州市市场监督管理局",
		Columns: []string{"uscc", "name"}, Rows: [][]any{{"91350100M000100Y43", "某公司"}},
		Requester: Requester{Username: "u1", Org: "fj-gat"}, Purpose: "办理许可", Time: "2025-03-01T02:03:04Z", Platform: "https://data.example"}
}

func TestSignVerify(t *testing.T) {
	k, err := LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, err := k.Sign(sample())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(s)
	d, err := k.Verify(raw)
	if err != nil || d.Rows[0][1] != "某公司" || d.Requester.Username != "u1" {
		t.Fatalf("Verify = %+v, %v", d, err)
	}
	if err := VerifyWithPublicKey(k.PublicKey(), raw); err != nil {
		t.Fatal(err)
	}
	// Re-indented JSON still verifies: the signature covers the canonical form.
	var pretty any
	json.Unmarshal(raw, &pretty)
	indented, _ := json.MarshalIndent(pretty, "", "  ")
	if _, err := k.Verify(indented); err != nil {
		t.Fatalf("indented: %v", err)
	}
	// Any change to the content is invalid.
	for name, change := range map[string]func(d *Document){
		"row":       func(d *Document) { d.Rows[0][1] = "另一公司" },
		"time":      func(d *Document) { d.Time = "2025-03-02T02:03:04Z" },
		"requester": func(d *Document) { d.Requester.Username = "u2" },
		"version":   func(d *Document) { d.EntryVersion = 3 },
	} {
		d := sample()
		change(d)
		doc, _ := json.Marshal(d)
		forged := *s
		forged.Document = doc
		b, _ := json.Marshal(forged)
		var inv *Invalid
		if _, err := k.Verify(b); !errors.As(err, &inv) || !strings.Contains(inv.Reason, "changed") {
			t.Errorf("%s changed: %v", name, err)
		}
	}
	// Signed with another key: invalid here, whichever public key it carries.
	other, _ := NewKey()
	os, _ := other.Sign(sample())
	b, _ := json.Marshal(os)
	if _, err := k.Verify(b); err == nil || !strings.Contains(err.Error(), "not signed with this platform's key") {
		t.Errorf("other key: %v", err)
	}
	os.PublicKey = k.PublicKey()
	b, _ = json.Marshal(os)
	if _, err := k.Verify(b); err == nil {
		t.Errorf("other key with this key's public key verified")
	}
	// The same key file is loaded again.
	dir := t.TempDir()
	k1, _ := LoadOrCreateKey(dir)
	k2, err := LoadOrCreateKey(dir)
	if err != nil || k1.PublicKey() != k2.PublicKey() {
		t.Fatalf("reload: %v", err)
	}
	for _, bad := range []string{`not json`, `{"format":"x"}`, `{"format":"pubdata-extract/v1","algorithm":"SM2-SM3","document":{}}`} {
		if _, err := k.Verify([]byte(bad)); err == nil {
			t.Errorf("Verify(%s) succeeded", bad)
		}
	}
}
