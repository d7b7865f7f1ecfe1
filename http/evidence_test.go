package http

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/extract"
	"github.com/pubdata/pubdata/lib/ident"
	"github.com/pubdata/pubdata/lib/pki"
	"github.com/pubdata/pubdata/lib/sealed"
	"github.com/pubdata/pubdata/sqlstore"
)

// newEvidenceEnv is a data env that looks up subjects and signs extracts.
func newEvidenceEnv(t *testing.T) *env {
	var e *env
	e = newEnvWith(t, func(s *Server) {
		s.BatchWait = 5 * time.Minute
		s.BatchDir = t.TempDir()
	})
	e.srv.Evidence = sqlstore.NewEvidenceService(e.db)
	e.srv.Extracts = newKeyring(t, e.db, nil)
	return e
}

// newKeyring is the keyring in db (set up if need be) with a secrets key (a new one if nil).
func newKeyring(t *testing.T, db *sqlstore.DB, secrets *sealed.Key) *extract.Service {
	t.Helper()
	if secrets == nil {
		var err error
		if secrets, err = sealed.NewKey([]byte("0123456789abcdef")); err != nil {
			t.Fatal(err)
		}
	}
	ring := &pki.Keyring{Store: sqlstore.NewCertificateService(db), Secrets: secrets}
	if _, err := ring.Setup(pubdata.NewContextWithActor(t.Context(), &pubdata.Actor{}), "test"); err != nil {
		t.Fatal(err)
	}
	return &extract.Service{Keys: ring}
}

// subjectBody is a table of persons keyed by resident ID number, shared by class share and
// not open.
func subjectBody(title, share string) map[string]any {
	b := entryBody(title, share, pubdata.ClassNone)
	b["items"] = []map[string]any{
		{"name": "id_no", "title": "身份证号", "type": "string", "key": true, "element": "resident_id", "personal": true},
		{"name": "name", "title": "姓名", "type": "string", "personal": true},
		{"name": "city", "title": "城市", "type": "string"},
	}
	return b
}

// loadCSV loads a CSV into the entry as its provider's editor.
func (e *env) loadCSV(as string, en *pubdata.Entry, csv string) {
	e.t.Helper()
	if b := e.batchOf(e.send("POST", "/api/v1/entries/"+en.ID+"/data?mode=upsert", as, "text/csv", []byte(csv), nil), as, http.StatusCreated); b.Status != pubdata.BatchDone {
		e.t.Fatalf("load %s: %+v", en.Title, b)
	}
}

func TestSubjectLookup(t *testing.T) {
	e := newEvidenceEnv(t)
	person, other := residentID("19800101", 11), residentID("19900202", 22)
	shared := e.publish(pbEditor, e.createEntry(pbEditor, subjectBody("人口基本信息", pubdata.ClassUnconditional)).ID)
	cond := e.publish(pbEditor, e.createEntry(pbEditor, subjectBody("流动人口信息", pubdata.ClassConditional)).ID)
	none := e.publish(pbEditor, e.createEntry(pbEditor, subjectBody("户籍人口信息", pubdata.ClassNone)).ID)
	elsewhere := e.publish(pbEditor, e.createEntry(pbEditor, subjectBody("婚姻登记信息", pubdata.ClassUnconditional)).ID)
	for _, en := range []*pubdata.Entry{shared, cond, none} {
		e.loadCSV(pbEditor, en, "id_no,name,city\n"+person+",张三,福州\n"+other+",李四,厦门\n")
	}
	e.loadCSV(pbEditor, elsewhere, "id_no,name,city\n"+other+",李四,厦门\n")
	usccKey := ident.CompleteUSCC("9135010000000000")
	firms := e.publish(pbEditor, e.createEntry(pbEditor, entryBody("企业登记信息", pubdata.ClassConditional, pubdata.ClassNone)).ID)
	e.loadCSV(pbEditor, firms, "uscc,name\n"+usccKey+",某某有限公司\n")

	lookup := func(as, key string) *web.SubjectReply {
		t.Helper()
		w := e.do(req{path: "/api/v1/subjects?key=" + url.QueryEscape(key), as: as, header: http.Header{"X-Purpose": {"办理居住证"}}})
		if w.Code != http.StatusOK {
			t.Fatalf("lookup as %s: %d %s", as, w.Code, w.Body)
		}
		if strings.Contains(w.Body.String(), "张三") || strings.Contains(w.Body.String(), person) {
			t.Fatalf("the reply reveals row contents or the key: %s", w.Body)
		}
		return decode[*web.SubjectReply](t, w)
	}
	// Another public body: allowed, may apply, not shared; the other person's entry not listed.
	r := lookup("fz-scj-member", strings.ToLower(person))
	want := map[string]string{shared.ID: pubdata.SubjectAllowed, cond.ID: pubdata.SubjectNeedsApplication, none.ID: pubdata.SubjectNotShared}
	if r.Element != "resident_id" || r.Total != 3 || len(r.Items) != 3 || r.Key != ident.Mask(person) {
		t.Fatalf("reply %+v", r)
	}
	for _, it := range r.Items {
		if want[it.Entry] != it.Access || it.Item != "id_no" || it.Provider != "fj-gat" || it.Title == "" {
			t.Errorf("item %+v, want access %q", it, want[it.Entry])
		}
		if it.Access == pubdata.SubjectNeedsApplication && !strings.Contains(it.Message, "apply") {
			t.Errorf("conditional item without the application hint: %+v", it)
		}
	}
	// The provider and the authority may use everything.
	for _, as := range []string{pbMember, authMember} {
		for _, it := range lookup(as, person).Items {
			if it.Access != pubdata.SubjectAllowed {
				t.Errorf("%s: %+v", as, it)
			}
		}
	}
	// A company by its USCC.
	if r := lookup("fz-scj-member", usccKey); r.Element != "uscc" || len(r.Items) != 1 || r.Items[0].Entry != firms.ID || r.Items[0].Access != pubdata.SubjectNeedsApplication {
		t.Fatalf("uscc reply %+v", r)
	}
	// Bad keys name the rule; the public may not ask.
	bad := person[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", person[17])+1)%11])
	for key, rule := range map[string]string{bad: "rule check", "91350100M000100Y44": "rule check", "12345": "rule length", "": "required"} {
		w := e.do(req{path: "/api/v1/subjects?key=" + url.QueryEscape(key), as: "fz-scj-member"})
		wantError(t, w, http.StatusBadRequest, "invalid")
		if !strings.Contains(w.Body.String(), rule) || !strings.Contains(w.Body.String(), `"key"`) {
			t.Errorf("key %q: %s, want %q", key, w.Body, rule)
		}
		if key != "" && strings.Contains(w.Body.String(), key) {
			t.Errorf("the error repeats the key: %s", w.Body)
		}
	}
	wantError(t, e.do(req{path: "/api/v1/subjects?key=" + person, as: citizen}), http.StatusForbidden, "forbidden")
	wantError(t, e.do(req{path: "/api/v1/subjects?key=" + person}), http.StatusUnauthorized, "unauthorized")
	// Recorded, masked; the key is in neither the record nor the log.
	evs, _, _, err := e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Action: "subject.lookup"})
	if err != nil || len(evs) != 4 {
		t.Fatalf("lookup events %d, %v", len(evs), err)
	}
	for _, ev := range evs {
		b, _ := json.Marshal(ev)
		if strings.Contains(string(b), person) || strings.Contains(string(b), usccKey) {
			t.Fatalf("the record holds a key in clear: %s", b)
		}
	}
	if evs[3].Details["key"] != ident.Mask(person) || evs[3].Actor != "fz-scj-member" || evs[3].Purpose != "办理居住证" {
		t.Fatalf("lookup event %+v", evs[3])
	}
	if strings.Contains(e.logs.String(), person) || strings.Contains(e.logs.String(), usccKey) {
		t.Fatal("the log holds a key in clear")
	}
	// The console page: a labelled form, posted.
	c := e.login("fz-scj-member")
	w := e.do(req{path: "/console/subjects", cookies: []*http.Cookie{c}})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `<label for="subject-key">`) {
		t.Fatalf("subjects page: %d", w.Code)
	}
	w = e.do(req{method: "POST", path: "/console/subjects", cookies: []*http.Cookie{c}, body: url.Values{"key": {person}, "purpose": {"办理居住证"}}})
	if w.Code != 200 || !strings.Contains(w.Body.String(), "流动人口信息") || strings.Contains(w.Body.String(), person) {
		t.Fatalf("subjects result: %d %s", w.Code, w.Body)
	}
	w = e.do(req{method: "POST", path: "/console/subjects", cookies: []*http.Cookie{c}, body: url.Values{"key": {"123"}}})
	if w.Code != 400 || !strings.Contains(w.Body.String(), `aria-invalid="true"`) {
		t.Fatalf("subjects bad key: %d", w.Code)
	}
}

func TestSignedExtract(t *testing.T) {
	e := newEvidenceEnv(t)
	person, other := residentID("19800101", 11), residentID("19900202", 22)
	shared := e.publish(pbEditor, e.createEntry(pbEditor, subjectBody("人口基本信息", pubdata.ClassUnconditional)).ID)
	cond := e.publish(pbEditor, e.createEntry(pbEditor, subjectBody("流动人口信息", pubdata.ClassConditional)).ID)
	for _, en := range []*pubdata.Entry{shared, cond} {
		e.loadCSV(pbEditor, en, "id_no,name,city\n"+person+",张三,福州\n"+other+",李四,厦门\n")
	}
	sign := func(as string, body map[string]string, status int) []byte {
		t.Helper()
		w := e.do(req{method: "POST", path: "/api/v1/extracts", as: as, body: body})
		if w.Code != status {
			t.Fatalf("extract as %s %v: %d, want %d: %s", as, body, w.Code, status, w.Body)
		}
		return w.Body.Bytes()
	}
	verify := func(doc []byte) web.VerifyReply {
		t.Helper()
		w := e.do(req{method: "POST", path: "/api/v1/verify", body: string(doc)})
		if w.Code != 200 {
			t.Fatalf("verify: %d %s", w.Code, w.Body)
		}
		return decode[web.VerifyReply](t, w)
	}
	// Another public body, with a purpose: masked as the rows API masks.
	raw := sign("fz-scj-member", map[string]string{"entry": shared.ID, "filter": "city=福州", "purpose": "办理居住证"}, http.StatusCreated)
	var signed extract.Signed
	if err := json.Unmarshal(raw, &signed); err != nil {
		t.Fatal(err)
	}
	var doc extract.Document
	json.Unmarshal(signed.Document, &doc)
	if doc.Entry != shared.ID || doc.EntryVersion != 1 || doc.Provider != "fj-gat" || len(doc.Rows) != 1 || doc.Requester.Username != "fz-scj-member" ||
		doc.Requester.Org != "fz-scj" || doc.Purpose != "办理居住证" || doc.Time == "" || signed.Format != extract.FormatV2 || signed.CMS == "" {
		t.Fatalf("document %+v", doc)
	}
	if doc.Rows[0][0] == person || doc.Rows[0][1] != "张*" {
		t.Fatalf("not masked: %v", doc.Rows[0])
	}
	if v := verify(raw); !v.Valid || v.Entry != shared.ID || v.Requester.Username != "fz-scj-member" || v.Time != doc.Time || v.Rows != 1 {
		t.Fatalf("verify %+v", v)
	}
	// Any change to a row, the time or the requester is invalid.
	for name, change := range map[string]func(d *extract.Document){
		"row":       func(d *extract.Document) { d.Rows[0][2] = "泉州" },
		"time":      func(d *extract.Document) { d.Time = "2020-01-01T00:00:00Z" },
		"requester": func(d *extract.Document) { d.Requester.Username = "someone-else" },
	} {
		var d extract.Document
		json.Unmarshal(signed.Document, &d)
		change(&d)
		forged := signed
		forged.Document, _ = json.Marshal(d)
		b, _ := json.Marshal(forged)
		if v := verify(b); v.Valid || v.Reason == "" {
			t.Errorf("%s changed: %+v", name, v)
		}
	}
	// Signed with another key: invalid.
	otherKey, _ := extract.NewKey()
	os, _ := otherKey.Sign(&doc)
	b, _ := json.Marshal(os)
	if v := verify(b); v.Valid || !strings.Contains(v.Reason, "key") {
		t.Errorf("other key: %+v", v)
	}
	// Signed with another platform's certificate: invalid (not this platform's CA).
	otherDB := newEnv(t).db
	os2, err := newKeyring(t, otherDB, nil).Sign(t.Context(), &doc)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(os2)
	if v := verify(b); v.Valid || !strings.Contains(v.Reason, "CA") {
		t.Errorf("other platform: %+v", v)
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/verify", body: ""}), http.StatusBadRequest, "invalid")

	// The provider, by a filter: in clear.
	raw = sign(pbMember, map[string]string{"entry": shared.ID, "filter": "city=厦门"}, http.StatusCreated)
	json.Unmarshal(raw, &signed)
	json.Unmarshal(signed.Document, &doc)
	if len(doc.Rows) != 1 || doc.Rows[0][0] != other || doc.Rows[0][1] != "李四" {
		t.Fatalf("provider's extract %v", doc.Rows)
	}
	// The read path's rules: a purpose is needed, a conditional entry needs a grant, a
	// masked column cannot be a filter nor a key, the public and anonymous callers get nothing.
	sign("fz-scj-member", map[string]string{"entry": shared.ID, "key": person, "purpose": "x"}, http.StatusForbidden)
	sign("fz-scj-member", map[string]string{"entry": shared.ID, "key": person}, http.StatusForbidden)
	sign("fz-scj-member", map[string]string{"entry": cond.ID, "key": person, "purpose": "x"}, http.StatusForbidden)
	sign("fz-scj-member", map[string]string{"entry": shared.ID, "filter": "name=张三", "purpose": "x"}, http.StatusForbidden)
	sign(citizen, map[string]string{"entry": shared.ID, "key": person, "purpose": "x"}, http.StatusNotFound)
	sign("", map[string]string{"entry": shared.ID, "key": person}, http.StatusUnauthorized)
	// Bad requests name the field.
	sign(pbMember, map[string]string{"entry": shared.ID}, http.StatusBadRequest)
	sign(pbMember, map[string]string{"entry": shared.ID, "key": person, "filter": "city=福州"}, http.StatusBadRequest)
	sign(pbMember, map[string]string{"entry": shared.ID, "filter": "nope=1"}, http.StatusBadRequest)
	sign(pbMember, map[string]string{"key": person}, http.StatusBadRequest)
	sign(pbMember, map[string]string{"entry": shared.ID, "key": residentID("20000101", 1)}, http.StatusNotFound)
	// Each extract is recorded with its digest and purpose.
	evs, _, _, _ := e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Action: "extract.sign"})
	if len(evs) != 2 || evs[1].Details["purpose"] != "办理居住证" || evs[1].Object != "entry:"+shared.ID || evs[1].Details["digest"] == "" {
		t.Fatalf("extract events %+v", evs)
	}
	// The console form downloads the signed file; the public verify page checks it.
	c := e.login(pbMember)
	w := e.do(req{method: "POST", path: "/console/extracts", cookies: []*http.Cookie{c}, body: url.Values{"entry": {shared.ID}, "key": {person}}})
	if w.Code != 200 || !strings.Contains(w.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("console extract: %d %s", w.Code, w.Body)
	}
	file := w.Body.String()
	w = e.do(req{method: "POST", path: "/console/extracts", cookies: []*http.Cookie{c}, body: url.Values{"entry": {shared.ID}}})
	if w.Code != 400 || !strings.Contains(w.Body.String(), `id="extract-key-error"`) {
		t.Fatalf("console extract without key: %d", w.Code)
	}
	for lang, text := range map[string]string{"zh-CN": "有效", "en": "Valid"} {
		w = e.do(req{method: "POST", path: "/verify?lang=" + lang, body: url.Values{"document": {file}}})
		if w.Code != 200 || !strings.Contains(w.Body.String(), text) || !strings.Contains(w.Body.String(), "人口基本信息") {
			t.Fatalf("verify page %s: %d %s", lang, w.Code, w.Body)
		}
	}
	w = e.do(req{method: "POST", path: "/verify?lang=en", body: url.Values{"document": {strings.Replace(file, "福州", "泉州", 1)}}})
	if w.Code != 200 || !strings.Contains(w.Body.String(), "Not valid") {
		t.Fatalf("verify page, changed: %d", w.Code)
	}
	if w = e.do(req{path: "/verify"}); w.Code != 200 || !strings.Contains(w.Body.String(), `<label for="verify-document">`) {
		t.Fatalf("verify form: %d", w.Code)
	}
}
