package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/audit"
)

func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	return stdout
}

// TestAuditProofOverHTTP: a proof fetched over HTTP checks with the standalone command, and
// no longer once the event is edited; only the actor and the authority may have it.
func TestAuditProofOverHTTP(t *testing.T) {
	s := newSQLiteStore(t)
	seq := seedRecord(t, s) // u1 admin of 350000-dsj, u2 editor, u3 a citizen; each command checkpoints
	dir := t.TempDir()
	tokenFile := func(user string) string {
		f := filepath.Join(dir, user+".token")
		tok := mustCLI(t, append([]string{"token", "create", "--username", user}, s.args()...)...)
		if err := os.WriteFile(f, []byte(tok), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	admin, citizen := tokenFile("u1"), tokenFile("u3")
	url, _ := startServe(t, s.args()...)

	// The published checkpoints, anonymously.
	resp, err := http.Get(url + "/api/v1/audit/checkpoints/latest")
	if err != nil {
		t.Fatal(err)
	}
	var latest pubdata.Checkpoint
	json.NewDecoder(resp.Body).Decode(&latest)
	resp.Body.Close()
	if resp.StatusCode != 200 || latest.Size < seq || audit.VerifyCheckpoint(latest.PublicKey, &latest) != nil {
		t.Fatalf("latest checkpoint: %d %+v", resp.StatusCode, latest)
	}
	resp, _ = http.Get(url + "/api/v1/audit/checkpoints?limit=2")
	var page struct {
		Items []pubdata.Checkpoint `json:"items"`
		Total int                  `json:"total"`
		Next  string               `json:"next"`
	}
	json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if len(page.Items) != 2 || page.Total < 3 || page.Next != strconv.FormatInt(page.Items[1].Size, 10) || page.Items[0].Size >= page.Items[1].Size {
		t.Fatalf("checkpoints page: %+v", page)
	}

	bundle := filepath.Join(dir, "proof.json")
	mustCLI(t, "audit", "prove", "--url", url, "--token-file", admin, "--out", bundle, strconv.FormatInt(seq, 10))
	out := mustCLI(t, "audit", "check", "--key-id", latest.KeyID, bundle)
	if !strings.HasPrefix(out, "proof valid: event "+strconv.FormatInt(seq, 10)+" (user.create, ") {
		t.Fatalf("check: %q", out)
	}
	// The proof holds only for the key it names.
	code, _, stderr := runCLI(t, "audit", "check", "--key-id", strings.Repeat("0", 64), bundle)
	if code != 1 || !strings.Contains(stderr, "not "+strings.Repeat("0", 64)) {
		t.Fatalf("check with another key id: %d %q", code, stderr)
	}
	// An edited bundle fails.
	b, _ := os.ReadFile(bundle)
	edited := filepath.Join(dir, "edited.json")
	os.WriteFile(edited, []byte(strings.Replace(string(b), `"action": "user.create"`, `"action": "user.delete"`, 1)), 0o600)
	code, _, stderr = runCLI(t, "audit", "check", edited)
	assertOneLine(t, stderr, "its content was changed")
	if code != 1 {
		t.Fatalf("edited bundle: exit %d", code)
	}

	// Who may have it: not a citizen who is not the actor, not anonymous.
	code, _, stderr = runCLI(t, "audit", "prove", "--url", url, "--token-file", citizen, strconv.FormatInt(seq, 10))
	if code != 1 || !strings.Contains(stderr, "403") {
		t.Fatalf("citizen's proof: exit %d, %q", code, stderr)
	}
	resp, _ = http.Get(url + "/api/v1/audit/" + strconv.FormatInt(seq, 10) + "/proof")
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous proof: %d", resp.StatusCode)
	}

	// This platform witnesses no one.
	resp, _ = http.Post(url+"/api/v1/audit/witness", "application/json", strings.NewReader(`{"checkpoint":null,"old_size":0}`))
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("witness endpoint of a platform that witnesses no one: %d", resp.StatusCode)
	}

	// The event is edited in the database (its leaf hash recomputed): the proof fetched now fails.
	db := s.sqlDB(t)
	var l audit.Leaf
	if err := db.QueryRow("SELECT seq, time, actor, org, division, action, object, request_id, client_addr, purpose, details FROM audit_events WHERE seq = ?", seq).
		Scan(&l.Seq, &l.Time, &l.Actor, &l.Org, &l.Division, &l.Action, &l.Object, &l.RequestID, &l.ClientAddr, &l.Purpose, &l.Details); err != nil {
		t.Fatal(err)
	}
	l.Details = `{"role":"admin"}`
	if _, err := db.Exec("UPDATE audit_events SET details = ?, leaf_hash = ? WHERE seq = ?", l.Details, l.Hash(), seq); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "audit", "prove", "--url", url, "--token-file", admin, "--out", bundle, strconv.FormatInt(seq, 10))
	code, _, stderr = runCLI(t, "audit", "check", bundle)
	if code != 1 || !strings.Contains(stderr, "is not in the checkpoint at size") {
		t.Fatalf("check after the edit: exit %d, %q", code, stderr)
	}
}

// TestWitness runs two platforms: a province (the witness) and a city whose checkpoints it
// cosigns. The cosignatures reach the city's log, the province keeps its copy, audit verify
// reads it, and a city that rewrites its whole record with its own key (database, seals and
// checkpoint log) is caught by the province's copy.
func TestWitness(t *testing.T) {
	city, province := newSQLiteStore(t), newSQLiteStore(t)
	cityKey, err := audit.LoadOrCreateKey(city.data)
	if err != nil {
		t.Fatal(err)
	}
	provinceKey, err := audit.LoadOrCreateKey(province.data)
	if err != nil {
		t.Fatal(err)
	}
	provinceConf := filepath.Join(t.TempDir(), "province.toml")
	os.WriteFile(provinceConf, []byte("[[witness_for]]\nname = \"福州市\"\npublic_key = \""+cityKey.PublicKey()+"\"\n"), 0o600)
	provinceURL, _ := startServe(t, append(province.args(), "--config", provinceConf)...)
	cityConf := filepath.Join(t.TempDir(), "city.toml")
	os.WriteFile(cityConf, []byte("[[witnesses]]\nname = \"福建省\"\nurl = \""+provinceURL+"\"\npublic_key = \""+provinceKey.PublicKey()+"\"\n"), 0o600)
	cityArgs := append(city.args(), "--config", cityConf)

	// Three commands, three checkpoints, each cosigned (the 2nd and 3rd with a consistency proof).
	mustCLI(t, append([]string{"org", "add", "--code", "350100-dsj", "--name", "福州市大数据局", "--kind", "authority", "--division", "350100"}, cityArgs...)...)
	mustCLI(t, append([]string{"user", "add", "--username", "c1", "--password", "password-1", "--org", "350100-dsj", "--role", "admin"}, cityArgs...)...)
	mustCLI(t, append([]string{"user", "add", "--username", "c2", "--password", "password-2"}, cityArgs...)...)
	entries, err := audit.NewFileLog(filepath.Join(city.data, audit.LogFile)).Entries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var cps, cosigs int
	for _, e := range entries {
		if e.Checkpoint != nil {
			cps++
		}
		if e.Cosignature != nil && e.Cosignature.Witness == "福建省" && e.Cosignature.KeyID == provinceKey.KeyID() {
			cosigs++
		}
	}
	if cps != 3 || cosigs != 3 {
		t.Fatalf("city's log: %d checkpoints, %d cosignatures; want 3 and 3", cps, cosigs)
	}
	resp, err := http.Get(provinceURL + "/api/v1/audit/witness/" + cityKey.KeyID() + "/checkpoints")
	if err != nil {
		t.Fatal(err)
	}
	var copy struct {
		Items []pubdata.Checkpoint `json:"items"`
	}
	json.NewDecoder(resp.Body).Decode(&copy)
	resp.Body.Close()
	if len(copy.Items) != 3 {
		t.Fatalf("province's copy: %+v", copy)
	}
	// A stranger's checkpoint is refused.
	resp, _ = http.Post(provinceURL+"/api/v1/audit/witness", "application/json", strings.NewReader(`{"checkpoint":{"size":1,"root":"00","time":"x","key_id":"`+provinceKey.KeyID()+`","signature":"","public_key":""},"old_size":0}`))
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a stranger's checkpoint: %d", resp.StatusCode)
	}
	out := mustCLI(t, append([]string{"audit", "verify"}, cityArgs...)...)
	if !strings.Contains(out, "witnesses: 福建省 (3 checkpoints)") {
		t.Fatalf("verify: %q", out)
	}

	// The city rewrites its record with its own key: event 1 changed, every hash and seal
	// recomputed, the checkpoints and the log replaced by a new signed history.
	db := city.sqlDB(t)
	x := attacker{t: t, s: city, db: db}
	rows := alter(x.read(), 1)
	x.exec("DELETE FROM audit_events")
	tree := audit.NewTree()
	for _, r := range rows {
		l := r.leaf
		h := l.Hash()
		root, _ := tree.Append(h)
		x.exec(`INSERT INTO audit_events (seq, time, actor, org, division, action, object, request_id, client_addr, purpose, details, leaf_hash, root, seal)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			l.Seq, l.Time, l.Actor, l.Org, l.Division, l.Action, l.Object, l.RequestID, l.ClientAddr, l.Purpose, l.Details, h, root, cityKey.SealEvent(l.Seq, h, root))
	}
	x.exec("UPDATE audit_head SET size = ?, state = ?, seal = ? WHERE id = 1", tree.Size(), tree.State(), cityKey.SealHead(tree.Size(), tree.Root()))
	x.exec("DELETE FROM audit_checkpoints")
	x.exec("DELETE FROM audit_cosignatures")
	os.Remove(filepath.Join(city.data, audit.LogFile))
	cfg := city.config()
	cfg.Witnesses = []WitnessConfig{{Name: "福建省", URL: provinceURL, PublicKey: provinceKey.PublicKey()}}
	a, err := openApp(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	// The province refuses to cosign the new history: its size-3 root is another.
	if cp, err := a.audit.Checkpoint(systemContext(context.Background())); cp == nil || err == nil || !strings.Contains(err.Error(), "witness 福建省") {
		t.Fatalf("the rewritten history's checkpoint: %+v, %v", cp, err)
	}
	a.Close()
	code, _, stderr := runCLI(t, append([]string{"audit", "verify"}, cityArgs...)...)
	if code != 1 {
		t.Fatalf("verify after the rewrite: exit %d, %q", code, stderr)
	}
	t.Log(strings.TrimSpace(stderr))
	assertOneLine(t, stderr, "record broken at checkpoint ")
	if !strings.Contains(stderr, "fork") && !strings.Contains(stderr, "witness 福建省") {
		t.Errorf("the witness's copy is not named: %q", stderr)
	}
}

func TestWitnessSettings(t *testing.T) {
	k, err := audit.LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	os.WriteFile(good, []byte("checkpoint_log = \"/srv/log\"\n[[witnesses]]\nname = \"省\"\nurl = \"https://p.example\"\npublic_key = \""+k.PublicKey()+"\"\n[[witness_for]]\nname = \"市\"\npublic_key = \""+k.PublicKey()+"\"\n"), 0o600)
	c, err := loadWith(t, []string{"--config", good}, nil)
	if err != nil || c.CheckpointLog != "/srv/log" || len(c.Witnesses) != 1 || c.Witnesses[0].URL != "https://p.example" || len(c.WitnessFor) != 1 {
		t.Fatalf("settings: %+v, %v", c, err)
	}
	for name, body := range map[string]string{
		"bad key": "[[witnesses]]\nname = \"省\"\nurl = \"https://p.example\"\npublic_key = \"bm90IGEga2V5\"\n",
		"no url":  "[[witnesses]]\nname = \"省\"\npublic_key = \"" + k.PublicKey() + "\"\n",
		"no name": "[[witness_for]]\npublic_key = \"" + k.PublicKey() + "\"\n",
	} {
		f := filepath.Join(dir, "bad.toml")
		os.WriteFile(f, []byte(body), 0o600)
		if _, err := loadWith(t, []string{"--config", f}, nil); err == nil || !strings.Contains(err.Error(), "witness") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
