package http

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/sqlstore"
)

// TestPurposeBinding (D4): a read under a conditional grant names the grant's purpose, the
// grant (X-Grant) or nothing; a read for another purpose (转交第三方) is refused with 403 and
// the refusal recorded ("data.refused").
func TestPurposeBinding(t *testing.T) {
	e := newAccessEnv(t)
	en := e.accessTable("户籍人口", pubdata.ClassConditional, pubdata.ClassNone)
	app := e.apply("xm-scj-member", map[string]any{"entry": en.ID, "kind": "share", "purpose": "户籍核验", "basis": "《户口登记条例》", "until": "2027-03-31"})
	got := decode[*pubdata.Application](t, e.do(req{method: "POST", path: "/api/v1/applications/" + app.ID + "/decide", as: pbReviewer, body: map[string]string{"decision": "approve"}}))
	if got.Grant == "" {
		t.Fatalf("approve: %+v", got)
	}
	path := "/api/v1/entries/" + en.ID + "/rows"
	for _, tc := range []struct {
		name   string
		header http.Header
		status int
	}{
		{"the grant's purpose", purposeHeader("户籍核验"), 200},
		{"no purpose", nil, 200},
		{"X-Grant", http.Header{"X-Grant": {got.Grant}}, 200},
		{"third party", purposeHeader("转交第三方"), 403},
		{"X-Grant with a third party", http.Header{"X-Grant": {got.Grant}, "X-Purpose": {"转交第三方"}}, 403},
		{"X-Grant not held", http.Header{"X-Grant": {"g-none"}}, 403},
	} {
		for _, p := range []string{path, path + "?_format=csv"} {
			if w := e.do(req{path: p, as: "xm-scj-member", header: tc.header}); w.Code != tc.status {
				t.Errorf("%s %s: %d %s", tc.name, p, w.Code, w.Body)
			}
		}
	}
	evs, _, _, err := e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Action: "data.refused", Object: "entry:" + en.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 6 { // 3 refusals × 2 formats
		t.Errorf("data.refused events: %d", len(evs))
	}
	for _, ev := range evs {
		if ev.Details["reason"] != pubdata.AccessWrongPurpose && ev.Details["reason"] != pubdata.AccessGrantNotHeld {
			t.Errorf("refusal recorded: %+v", ev)
		}
	}
}

// TestObjectionProbes (C4, G7): filing an objection on a table the filer cannot read answers
// the same, status and body, whether or not the key exists; the filer's later views do not
// tell either.
func TestObjectionProbes(t *testing.T) {
	e := newAccessEnv(t)
	e.srv.Objections = newObjections(e)
	en := e.accessTable("户籍人口", pubdata.ClassConditional, pubdata.ClassConditional)
	if w := e.do(req{path: "/api/v1/entries/" + en.ID + "/rows", as: "xm-scj-member"}); w.Code != 403 {
		t.Fatalf("the consumer reads: %d", w.Code)
	}
	file := func(key string) (int, map[string]any) {
		w := e.do(req{method: "POST", path: "/api/v1/objections", as: "xm-scj-member", body: map[string]any{
			"entry": en.ID, "key": map[string]string{"id_no": key}, "reason": "error", "detail": "核对"}})
		var m map[string]any
		json.Unmarshal(w.Body.Bytes(), &m)
		for _, k := range []string{"id", "key", "created_at", "updated_at"} {
			delete(m, k)
		}
		return w.Code, m
	}
	for i, existing := range []string{idA, idB, idC} {
		s1, b1 := file(existing)
		s2, b2 := file(residentID("19700101", 90+i))
		j1, _ := json.Marshal(b1)
		j2, _ := json.Marshal(b2)
		if s1 != s2 || !bytes.Equal(j1, j2) {
			t.Fatalf("probe %d: existing key %d %s, missing key %d %s", i, s1, j1, s2, j2)
		}
		if s1 != http.StatusCreated && s1 != http.StatusConflict {
			t.Fatalf("probe %d: %d %s", i, s1, j1)
		}
		if _, ok := b1["rows"]; ok {
			t.Errorf("probe %d tells the rows: %s", i, j1)
		}
	}
	w := e.do(req{path: "/api/v1/objections?role=mine", as: "xm-scj-member"})
	if strings.Contains(w.Body.String(), `"rows"`) {
		t.Errorf("the filer's list tells the rows: %s", w.Body)
	}
	// Nor does the table's frozen count: the provider sees it, the filer does not.
	if w := e.do(req{path: "/api/v1/entries/" + en.ID + "/table", as: "xm-scj-member"}); w.Code != 200 || strings.Contains(w.Body.String(), `"frozen"`) {
		t.Errorf("the filer's table reply: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{path: "/api/v1/entries/" + en.ID + "/table", as: pbEditor}); !strings.Contains(w.Body.String(), `"frozen":3`) {
		t.Errorf("the provider's table reply: %s", w.Body)
	}
}

// TestObjectionNormalisedKey: a resident ID typed with a lower-case check character (or in
// full-width digits) freezes the row stored with an upper-case X, and a key lookup finds it.
func TestObjectionNormalisedKey(t *testing.T) {
	e := newAccessEnv(t)
	e.srv.Objections = newObjections(e)
	id := ""
	for seq := 1; seq < 1000 && !strings.HasSuffix(id, "X"); seq++ {
		id = residentID("19880808", seq)
	}
	b := entryBody("个体户名录", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
	b["items"] = []map[string]any{
		{"name": "id_no", "title": "公民身份号码", "type": "string", "key": true, "element": "resident_id"},
		{"name": "shop", "title": "字号", "type": "string"},
	}
	en := e.publish(pbEditor, e.createEntry(pbEditor, b).ID)
	e.batchOf(e.send("POST", "/api/v1/entries/"+en.ID+"/data", pbEditor, "text/csv", []byte("id_no,shop\n"+id+",冻结小店\n"+idA+",其他小店\n"), nil), pbEditor, http.StatusCreated)
	lower := strings.ToLower(id)
	if rows, _ := e.rowsOf("/api/v1/entries/"+en.ID+"/rows?_key="+lower, pbEditor); len(rows) != 1 {
		t.Fatalf("_key in lower case finds %d rows", len(rows))
	}
	w := e.do(req{method: "POST", path: "/api/v1/objections", as: citizen, body: map[string]any{
		"entry": en.ID, "key": map[string]string{"id_no": " " + lower + " "}, "reason": "privacy", "detail": "本人信息"}})
	if w.Code != http.StatusCreated {
		t.Fatalf("file: %d %s", w.Code, w.Body)
	}
	o := decode[*pubdata.Objection](t, w)
	if o.Key["id_no"] != id || o.Rows != 1 {
		t.Errorf("objection: key %v rows %d", o.Key, o.Rows)
	}
	for _, as := range []string{anonymous, pbEditor} {
		rows, _ := e.rowsOf("/api/v1/entries/"+en.ID+"/rows", as)
		if len(rows) != 1 || rows[0]["shop"] != "其他小店" {
			t.Errorf("rows as %s after the objection: %v", as, rows)
		}
	}
}

func newObjections(e *env) pubdata.ObjectionService { return sqlstore.NewObjectionService(e.db) }
