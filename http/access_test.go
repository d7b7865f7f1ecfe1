package http

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/api"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/sealed"
	"github.com/pubdata/pubdata/sqlstore"
)

// The acceptance of issue 5's access rules: every class × caller × path, masking in every
// format and in filters, purposes in the record, grants bound to their scope.

const (
	suspended    = "sus-member" // a member of sm-gaj, a public body whose data service is suspended
	sharePurpose = "办理户籍迁移业务核验"
)

// accessEnv is a data env with service interfaces, mask policies, applications and a
// suspended public body.
func newAccessEnv(t *testing.T) *env {
	e := newDataEnv(t)
	key, err := sealed.LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Endpoints = sqlstore.NewEndpointService(e.db, key)
	e.srv.MaskPolicies = sqlstore.NewMaskPolicyService(e.db)
	e.srv.Applications = sqlstore.NewApplicationService(e.db)
	if err := e.srv.Orgs.CreateOrg(system, &pubdata.Org{Code: "sm-gaj", Name: "三明市公安局", Kind: pubdata.KindPublicBody, Division: "350400"}); err != nil {
		t.Fatal(err)
	}
	u, err := e.srv.Users.CreateUser(system, &pubdata.UserCreate{Username: suspended, Password: password(suspended), DisplayName: "三明", OrgCode: "sm-gaj", Role: pubdata.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := e.srv.Tokens.CreateToken(system, u.ID, "fixture", 0)
	if err != nil {
		t.Fatal(err)
	}
	e.users[suspended], e.tokens[suspended] = u, secret
	if _, err := e.srv.Orgs.SuspendOrg(e.actorCtx(authAdmin), "sm-gaj", "违规向第三方提供共享数据"); err != nil {
		t.Fatal(err)
	}
	return e
}

// actorCtx is the context of a fixture user, for calls to the stores.
func (e *env) actorCtx(username string) context.Context {
	e.t.Helper()
	u := e.users[username]
	a := &pubdata.Actor{User: u}
	if u.OrgCode != "" {
		o, err := e.srv.Orgs.FindOrgByCode(system, u.OrgCode)
		if err != nil {
			e.t.Fatal(err)
		}
		a.Org = o
	}
	return pubdata.NewContextWithActor(context.Background(), a)
}

// personItems are the items of the access tests' tables: graded, some personal.
var personItems = []map[string]any{
	{"name": "id_no", "title": "公民身份号码", "type": "string", "key": true, "element": "resident_id", "personal": true},
	{"name": "name", "title": "姓名", "type": "string", "element": "name", "personal": true},
	{"name": "phone", "title": "手机号码", "type": "string", "element": "mobile", "grade": 3},
	{"name": "address", "title": "住址", "type": "string", "element": "address", "grade": 2},
	{"name": "age", "title": "年龄", "type": "integer", "grade": 3},
	{"name": "city", "title": "城市", "type": "string", "grade": 1},
	{"name": "note", "title": "内部备注", "type": "string", "grade": 4},
}

var (
	idA = residentID("19800101", 11)
	idB = residentID("19850505", 23)
	idC = residentID("19900909", 35)
	idD = residentID("19951212", 47)
)

const personCSV = "id_no,name,phone,address,age,city,note\n"

func personRows() string {
	return personCSV +
		idA + ",张三,13812341234,福建省福州市鼓楼区五四路158号,45,福州,甲\n" +
		idB + ",欧阳娜娜,13900001111,福建省福州市台江区八一七中路1号,40,福州,乙\n" +
		idC + ",李四,13700002222,福建省厦门市思明区中山路2号,35,厦门,丙\n" +
		idD + ",王五,13600003333,福建省福州市仓山区南江滨西大道3号,30,福州,丁\n"
}

// accessTable publishes a person table of fj-gat with the classes and loads its rows.
func (e *env) accessTable(title, share, open string) *pubdata.Entry {
	e.t.Helper()
	b := entryBody(title, share, open)
	b["items"] = personItems
	en := e.publish(pbEditor, e.createEntry(pbEditor, b).ID)
	if bt := e.batchOf(e.send("POST", "/api/v1/entries/"+en.ID+"/data", pbEditor, "text/csv", []byte(personRows()), nil), pbEditor, http.StatusCreated); bt.Status != pubdata.BatchDone {
		e.t.Fatalf("load %s: %+v", title, bt)
	}
	return en
}

// accessService publishes a service entry of fj-gat with the classes and a confirmed
// endpoint at the provider's server.
func (e *env) accessService(title, share, open string, p *provider) *pubdata.Entry {
	e.t.Helper()
	en := e.serviceEntry(title, share, open, false)
	path := "/api/v1/entries/" + en.ID + "/endpoint"
	if w := e.do(req{method: "PUT", path: path, as: pbEditor, body: map[string]any{"base_url": p.URL + "/svc"}}); w.Code != 200 {
		e.t.Fatalf("endpoint: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{method: "POST", path: path + "/confirm", as: authReviewer}); w.Code != 200 {
		e.t.Fatalf("confirm: %d %s", w.Code, w.Body)
	}
	return en
}

// purposeHeader is the X-Purpose of a shared read.
func purposeHeader(p string) http.Header { return http.Header{"X-Purpose": {p}} }

// rowsJSON returns the rows of a JSON rows page.
func rowsJSON(t *testing.T, w *httptest.ResponseRecorder) []map[string]any {
	t.Helper()
	var page struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil {
		t.Fatalf("not a rows page: %d %s", w.Code, w.Body)
	}
	return page.Items
}

// byID indexes rows by id_no (or by the masked id_no).
func byKey(rows []map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range rows {
		out[fmt.Sprint(r["id_no"])] = r
	}
	return out
}

func maskedID(id string) string { return id[:6] + "********" + id[14:] }

// The table: every class × caller × path. view is what the caller sees of the rows:
// "clear" (everything), "masked" (personal and graded items masked, grade 4 withheld), or
// the refusal's status.
func TestAccessTable(t *testing.T) {
	e := newAccessEnv(t)
	p := newProvider(t)
	type class struct{ name, share, open string }
	classes := []class{
		{"uncond", pubdata.ClassUnconditional, pubdata.ClassConditional},
		{"cond", pubdata.ClassConditional, pubdata.ClassConditional},
		{"none", pubdata.ClassNone, pubdata.ClassNone},
		{"open", pubdata.ClassUnconditional, pubdata.ClassUnconditional},
	}
	tables, services := map[string]*pubdata.Entry{}, map[string]*pubdata.Entry{}
	for _, c := range classes {
		tables[c.name] = e.accessTable("人口信息 "+c.name, c.share, c.open)
		services[c.name] = e.accessService("人口核验接口 "+c.name, c.share, c.open, p)
	}
	const (
		clear  = "clear"
		masked = "masked"
	)
	type want map[string]string // class → view or status
	callers := []struct {
		name string
		as   string
		rows want // rows JSON and CSV
		ckan want // datastore_search ("404": not in the open catalogue)
		call want // service call
	}{
		{"provider", pbMember,
			want{"uncond": clear, "cond": clear, "none": clear, "open": clear},
			want{"uncond": clear, "cond": clear, "none": "404", "open": clear},
			want{"uncond": "201", "cond": "201", "none": "201", "open": "201"}},
		{"other public body", "xm-scj-member",
			want{"uncond": masked, "cond": "403", "none": "403", "open": masked},
			want{"uncond": masked, "cond": "403", "none": "404", "open": masked},
			want{"uncond": "201", "cond": "403", "none": "403", "open": "201"}},
		{"public user", citizen,
			want{"uncond": "403", "cond": "403", "none": "404", "open": masked},
			want{"uncond": "403", "cond": "403", "none": "404", "open": masked},
			want{"uncond": "403", "cond": "403", "none": "404", "open": "201"}},
		{"anonymous", anonymous,
			want{"uncond": "403", "cond": "403", "none": "404", "open": masked},
			want{"uncond": "403", "cond": "403", "none": "404", "open": masked},
			want{"uncond": "401", "cond": "401", "none": "404", "open": "201"}},
		{"authority", authMember,
			want{"uncond": clear, "cond": clear, "none": clear, "open": clear},
			want{"uncond": clear, "cond": clear, "none": "404", "open": clear},
			want{"uncond": "201", "cond": "201", "none": "201", "open": "201"}},
		{"suspended body", suspended,
			want{"uncond": "403", "cond": "403", "none": "403", "open": "403"},
			want{"uncond": "403", "cond": "403", "none": "403", "open": "403"}, // stopped before the catalogue
			want{"uncond": "403", "cond": "403", "none": "403", "open": "403"}},
	}
	// checkRows checks the rows of a reply against the view.
	checkRows := func(where string, view string, rows map[string]map[string]any) {
		t.Helper()
		if len(rows) != 4 {
			t.Errorf("%s: %d rows, want 4", where, len(rows))
			return
		}
		switch view {
		case clear:
			r := rows[idB]
			if r == nil || r["name"] != "欧阳娜娜" || r["phone"] != "13900001111" || r["note"] != "乙" || fmt.Sprint(r["age"]) != "40" {
				t.Errorf("%s: clear rows %v", where, rows)
			}
		case masked:
			r := rows[maskedID(idB)]
			if r == nil || r["name"] != "欧阳**" || r["phone"] != "139****1111" || r["address"] != "福建省福州市台江区八一七中路1号" ||
				r["age"] != nil || r["city"] != "福州" {
				t.Errorf("%s: masked rows %v", where, rows)
			}
			if _, ok := r["note"]; ok {
				t.Errorf("%s: grade 4 item returned: %v", where, r)
			}
		}
	}
	for _, c := range callers {
		header := purposeHeader(sharePurpose)
		for _, cl := range classes {
			en := tables[cl.name]
			where := func(path string) string { return fmt.Sprintf("%s, %s, %s", c.name, cl.name, path) }
			// rows JSON
			view := c.rows[cl.name]
			w := e.do(req{path: "/api/v1/entries/" + en.ID + "/rows", as: c.as, header: header})
			if view == clear || view == masked {
				if w.Code != 200 {
					t.Errorf("%s: %d %s", where("rows"), w.Code, w.Body)
				} else {
					checkRows(where("rows"), view, byKey(rowsJSON(t, w)))
				}
			} else if fmt.Sprint(w.Code) != view {
				t.Errorf("%s: %d, want %s: %s", where("rows"), w.Code, view, w.Body)
			}
			// CSV download
			w = e.do(req{path: "/api/v1/entries/" + en.ID + "/rows?_format=csv", as: c.as, header: header})
			if view == clear || view == masked {
				recs, err := csv.NewReader(bytes.NewReader(w.Body.Bytes())).ReadAll()
				if w.Code != 200 || err != nil || len(recs) != 5 {
					t.Errorf("%s: %d %v %s", where("csv"), w.Code, err, w.Body)
				} else {
					rows := map[string]map[string]any{}
					for _, rec := range recs[1:] {
						r := map[string]any{}
						for i, h := range recs[0] {
							r[h] = rec[i]
							if rec[i] == "" {
								r[h] = nil
							}
						}
						rows[rec[0]] = r
					}
					checkRows(where("csv"), view, rows)
				}
			} else if fmt.Sprint(w.Code) != view {
				t.Errorf("%s: %d, want %s: %s", where("csv"), w.Code, view, w.Body)
			}
			// CKAN datastore_search
			view = c.ckan[cl.name]
			w = e.do(req{path: "/api/3/action/datastore_search?resource_id=" + en.ID, as: c.as, header: header})
			if view == clear || view == masked {
				var r struct {
					Result struct {
						Records []map[string]any `json:"records"`
					} `json:"result"`
				}
				if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &r) != nil {
					t.Errorf("%s: %d %s", where("datastore_search"), w.Code, w.Body)
				} else {
					checkRows(where("datastore_search"), view, byKey(r.Result.Records))
				}
			} else if fmt.Sprint(w.Code) != view {
				t.Errorf("%s: %d, want %s: %s", where("datastore_search"), w.Code, view, w.Body)
			}
			// service call through the provider's server
			view = c.call[cl.name]
			before := p.count()
			w = e.do(req{path: "/api/v1/entries/" + services[cl.name].ID + "/call/person?id=" + idA, as: c.as, header: header})
			if fmt.Sprint(w.Code) != view {
				t.Errorf("%s: %d, want %s: %s", where("call"), w.Code, view, w.Body)
			}
			if forwarded := p.count() > before; forwarded != (view == "201") {
				t.Errorf("%s: forwarded to the provider = %v", where("call"), forwarded)
			}
		}
	}
	// The suspended body is told why.
	w := e.do(req{path: "/api/v1/entries/" + tables["open"].ID + "/rows", as: suspended, header: purposeHeader(sharePurpose)})
	if !strings.Contains(w.Body.String(), "违规向第三方提供共享数据") {
		t.Errorf("suspension without its reason: %s", w.Body)
	}
}

// readEvents returns the data.read events of an entry, newest first.
func (e *env) readEvents(id string) []*pubdata.Event {
	e.t.Helper()
	evs, _, _, err := e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Action: "data.read", Object: "entry:" + id, Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

// A public body reads an unconditionally shared (not open) entry with a purpose, and is
// refused without; the read is in the record with the purpose. Masks apply in every format
// and in filters, sorting and full text.
func TestAccessSharedPurpose(t *testing.T) {
	e := newAccessEnv(t)
	en := e.accessTable("常住人口信息", pubdata.ClassUnconditional, pubdata.ClassNone)
	base := "/api/v1/entries/" + en.ID + "/rows"
	w := e.do(req{path: base, as: "xm-scj-member"})
	wantError(t, w, 403, pubdata.EFORBIDDEN)
	if !strings.Contains(w.Body.String(), "X-Purpose") {
		t.Errorf("refusal does not ask for X-Purpose: %s", w.Body)
	}
	if evs := e.readEvents(en.ID); len(evs) != 0 {
		t.Fatalf("a refused read was recorded: %+v", evs)
	}
	w = e.do(req{path: base + "?_sort=city&city=福州", as: "xm-scj-member", header: purposeHeader(sharePurpose)})
	rows := rowsJSON(t, w)
	if w.Code != 200 || len(rows) != 3 || rows[0]["id_no"] != maskedID(idA) || rows[0]["name"] != "张*" || rows[0]["address"] != "福建省福州市鼓楼区五四路158号" {
		t.Fatalf("shared read: %d %s", w.Code, w.Body)
	}
	evs := e.readEvents(en.ID)
	if len(evs) != 1 {
		t.Fatalf("data.read events: %d", len(evs))
	}
	ev := evs[0]
	if ev.Actor != "xm-scj-member" || ev.Org != "xm-scj" || ev.Purpose != sharePurpose || ev.Details["reason"] != pubdata.AccessShared ||
		ev.Details["format"] != "json" || ev.Details["provider"] != "fj-gat" {
		t.Errorf("record of the read: %+v", ev)
	}
	if f, _ := json.Marshal(ev.Details["filter"]); string(f) != `["city__eq"]` {
		t.Errorf("recorded filter: %s", f)
	}
	// The provider's own reads are not shared reads; the authority's are recorded.
	e.do(req{path: base, as: pbMember})
	e.do(req{path: base, as: authMember, header: purposeHeader("监督检查")})
	evs = e.readEvents(en.ID)
	if len(evs) != 2 || evs[0].Actor != authMember || evs[0].Purpose != "监督检查" || evs[0].Details["reason"] != pubdata.AccessAuthority {
		t.Errorf("records after the provider's and the authority's reads: %+v", evs)
	}

	// Masked columns cannot be probed: filters, key lookups, sorting, full text.
	as := func(path string) *httptest.ResponseRecorder {
		return e.do(req{path: path, as: "xm-scj-member", header: purposeHeader(sharePurpose)})
	}
	for _, path := range []string{
		base + "?id_no=" + idA, base + "?name__prefix=张", base + "?_key=" + idA, base + "?_sort=-phone",
		base + "?age__gt=30", base + "?_fields=note", base + "?note=甲", base + "?_format=csv&phone=13812341234",
	} {
		w := as(path)
		if w.Code != 403 || !strings.Contains(w.Body.String(), "cannot be") {
			t.Errorf("%s: %d %s", path, w.Code, w.Body)
		}
	}
	if w := as(base + "?_q=13812341234"); len(rowsJSON(t, w)) != 0 {
		t.Errorf("full text found a masked phone number: %s", w.Body)
	}
	if w := as(base + "?_q=" + idA[:10]); len(rowsJSON(t, w)) != 0 {
		t.Errorf("full text found a masked ID number: %s", w.Body)
	}
	if w := as(base + "?_q=厦门"); len(rowsJSON(t, w)) != 1 {
		t.Errorf("full text over clear columns: %s", w.Body)
	}
	// NDJSON and XLSX are masked too.
	w2 := as(base + "?_format=ndjson&_fields=id_no,name")
	if w2.Code != 200 || strings.Contains(w2.Body.String(), idA) || !strings.Contains(w2.Body.String(), maskedID(idA)) || strings.Contains(w2.Body.String(), "张三") {
		t.Errorf("ndjson: %d %s", w2.Code, w2.Body)
	}
	w2 = as(base + "?_format=xlsx")
	if w2.Code != 200 || bytes.Contains(w2.Body.Bytes(), []byte(idA)) {
		t.Errorf("xlsx: %d", w2.Code)
	}
	// The platform's policy made stricter by the authority, the provider's stricter still.
	put := func(as, org string, policy map[string]string) *httptest.ResponseRecorder {
		return e.do(req{method: "PUT", path: "/api/v1/mask-policy?org=" + org, as: as, body: map[string]any{"policy": policy}})
	}
	if w := put(pbMember, "fj-gat", map[string]string{"1": "full"}); w.Code != 403 {
		t.Errorf("a member set the provider's policy: %d", w.Code)
	}
	if w := put(pbAdmin, "", map[string]string{"1": "full"}); w.Code != 403 {
		t.Errorf("a provider set the platform's policy: %d", w.Code)
	}
	if w := put(pbAdmin, "fj-gat", map[string]string{"3": "none"}); w.Code != 400 || errorFieldsOf(t, w.Body.Bytes())["policy.3"] == "" {
		t.Errorf("a looser provider policy: %d %s", w.Code, w.Body)
	}
	if w := put(pbAdmin, "fj-gat", map[string]string{"1": "full"}); w.Code != 200 {
		t.Errorf("provider policy: %d %s", w.Code, w.Body)
	}
	if w := put(authAdmin, "", map[string]string{"2": "partial"}); w.Code != 200 {
		t.Errorf("platform policy: %d %s", w.Code, w.Body)
	}
	var pol api.MaskPolicyReply
	if w := e.do(req{path: "/api/v1/mask-policy?org=fj-gat", as: "xm-scj-member"}); w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &pol) != nil ||
		pol.Effective[1] != "full" || pol.Effective[2] != "partial" || pol.Policy[2] != "none" || pol.Platform[1] != "none" {
		t.Errorf("GET mask-policy: %d %s", w.Code, w.Body)
	}
	rows = rowsJSON(t, as(base+"?_fields=id_no,address,city&_limit=1"))
	if len(rows) != 1 || rows[0]["city"] != "**" || rows[0]["address"] != "福建省福州市鼓楼区*******" {
		t.Errorf("rows under the stricter policies: %v", rows)
	}
	// The provider still reads in clear.
	rows = rowsJSON(t, e.do(req{path: base + "?_fields=id_no,city&_limit=1", as: pbMember}))
	if len(rows) != 1 || rows[0]["city"] != "福州" || rows[0]["id_no"] != idA {
		t.Errorf("provider's rows: %v", rows)
	}
}

// A conditional entry: refused without a grant; after approval only the granted items and
// rows come back, masked per grade unless granted clear; refused again after revocation
// and after expiry.
func TestAccessGrant(t *testing.T) {
	e := newAccessEnv(t)
	p := newProvider(t)
	en := e.accessTable("流动人口信息", pubdata.ClassConditional, pubdata.ClassNone)
	svc := e.accessService("流动人口核验接口", pubdata.ClassConditional, pubdata.ClassNone, p)
	base := "/api/v1/entries/" + en.ID + "/rows"
	consumer := "xm-scj-member"
	wantError(t, e.do(req{path: base, as: consumer, header: purposeHeader(sharePurpose)}), 403, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{path: "/api/v1/entries/" + svc.ID + "/call/x", as: consumer, header: purposeHeader(sharePurpose)}), 403, pubdata.EFORBIDDEN)

	apps := e.srv.Applications
	grant := func(entry *pubdata.Entry, items []string, d *pubdata.ApplicationDecision) *pubdata.Application {
		t.Helper()
		entry, err := e.srv.Entries.FindPublishedEntry(system, entry.ID)
		if err != nil {
			t.Fatal(err)
		}
		consumerCtx := e.actorCtx(consumer)
		until := e.clock().In(pubdata.ChinaTime).AddDate(0, 0, 3).Format(pubdata.DateFormat)
		app, err := apps.CreateApplication(consumerCtx, entry, &pubdata.ApplicationCreate{Entry: entry.ID, Kind: pubdata.KindShare,
			Items: items, Purpose: "流动人口服务管理", Basis: "《居住证暂行条例》", Until: until})
		if err != nil {
			t.Fatal(err)
		}
		app, err = apps.DecideApplication(e.actorCtx(pbAdmin), app.ID, d)
		if err != nil {
			t.Fatal(err)
		}
		if app.Status != pubdata.AppApproved || app.Grant == "" {
			t.Fatalf("approval: %+v", app)
		}
		return app
	}
	app := grant(en, []string{"id_no", "name", "phone", "age", "city"}, &pubdata.ApplicationDecision{Decision: "approve", Items: []string{"id_no", "name", "age", "city"}, ClearItems: []string{"name"}, RowFilter: "city=福州"})
	// No X-Purpose: the grant's purpose.
	w := e.do(req{path: base, as: consumer})
	rows := rowsJSON(t, w)
	if w.Code != 200 || len(rows) != 3 {
		t.Fatalf("granted read: %d %s", w.Code, w.Body)
	}
	for _, r := range rows {
		if len(r) != 4 || r["city"] != "福州" || r["age"] != nil || !strings.Contains(fmt.Sprint(r["id_no"]), "********") {
			t.Errorf("granted row %v", r)
		}
	}
	if got := byKey(rows)[maskedID(idB)]; got == nil || got["name"] != "欧阳娜娜" {
		t.Errorf("the clear item is masked: %v", rows)
	}
	// Items outside the grant, rows outside its filter.
	wantError(t, e.do(req{path: base + "?_fields=phone", as: consumer}), 403, pubdata.EFORBIDDEN)
	if rows := rowsJSON(t, e.do(req{path: base + "?city=厦门", as: consumer})); len(rows) != 0 {
		t.Errorf("a row outside the grant's filter: %v", rows)
	}
	if rows := rowsJSON(t, e.do(req{path: base + "?name=李四", as: consumer})); len(rows) != 0 {
		t.Errorf("a row outside the grant's filter by a clear item: %v", rows)
	}
	if rows := rowsJSON(t, e.do(req{path: base + "?name=张三", as: consumer})); len(rows) != 1 {
		t.Errorf("filter on the clear item: %v", rows)
	}
	evs := e.readEvents(en.ID)
	if len(evs) == 0 || evs[len(evs)-1].Purpose != "流动人口服务管理" || evs[len(evs)-1].Details["grant"] != app.Grant || evs[len(evs)-1].Details["grant_filter"] != "city=福州" {
		t.Errorf("record of the granted read: %+v", evs)
	}
	// Another body of the same kind holds no grant.
	wantError(t, e.do(req{path: base, as: "fz-scj-member", header: purposeHeader(sharePurpose)}), 403, pubdata.EFORBIDDEN)

	// Revoked: refused again.
	if _, err := apps.RevokeGrant(e.actorCtx(pbAdmin), app.Grant, "用途已完成"); err != nil {
		t.Fatal(err)
	}
	wantError(t, e.do(req{path: base, as: consumer}), 403, pubdata.EFORBIDDEN)

	// A new grant (the service interface too), then its expiry.
	grant(en, nil, &pubdata.ApplicationDecision{Decision: "approve"})
	sapp := grant(svc, nil, &pubdata.ApplicationDecision{Decision: "approve"})
	if w := e.do(req{path: base, as: consumer}); w.Code != 200 || len(rowsJSON(t, w)) != 4 {
		t.Errorf("second grant: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{path: "/api/v1/entries/" + svc.ID + "/call/person", as: consumer}); w.Code != 201 {
		t.Errorf("granted call: %d %s", w.Code, w.Body)
	}
	if evs := e.callEvents(svc.ID); len(evs) != 1 || evs[0].Purpose != "流动人口服务管理" {
		t.Errorf("the call's record lacks the grant's purpose: %+v (grant %s)", evs, sapp.Grant)
	}
	e.advance(5 * 24 * time.Hour)
	wantError(t, e.do(req{path: base, as: consumer}), 403, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{path: "/api/v1/entries/" + svc.ID + "/call/person", as: consumer}), 403, pubdata.EFORBIDDEN)
}

// The portal preview: a public body gives its purpose in a form; masked columns are marked
// and cannot be filtered.
func TestAccessPreview(t *testing.T) {
	e := newAccessEnv(t)
	en := e.accessTable("常住人口信息", pubdata.ClassUnconditional, pubdata.ClassNone)
	cookie := e.login("xm-scj-member")
	page := "/catalog/" + en.ID
	w := e.do(req{path: page, cookies: []*http.Cookie{cookie}})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `name="purpose"`) || strings.Contains(w.Body.String(), maskedID(idA)) {
		t.Fatalf("preview without a purpose: %d", w.Code)
	}
	// A purpose in the URL is not taken (it would be in logs and histories).
	if w := e.do(req{path: page + "?purpose=" + url.QueryEscape(sharePurpose), cookies: []*http.Cookie{cookie}}); strings.Contains(w.Body.String(), maskedID(idA)) {
		t.Fatal("a purpose in the URL opened the shared read")
	}
	// The purpose is stated in a form (POST), kept for this entry only, and the page returns.
	w = e.do(req{method: "POST", path: "/read-purpose", body: url.Values{"entry": {en.ID}, "purpose": {sharePurpose}, "back": {page}}, cookies: []*http.Cookie{cookie}})
	purpose := cookieNamed(w, web.PurposeCookie)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != page || purpose == nil || !purpose.HttpOnly {
		t.Fatalf("state the purpose: %d %q %+v", w.Code, w.Header().Get("Location"), purpose)
	}
	cookies := []*http.Cookie{cookie, purpose}
	w = e.do(req{path: page, cookies: cookies})
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, maskedID(idA)) || strings.Contains(body, idA) || strings.Contains(body, "13812341234") {
		t.Fatalf("preview with a purpose: %d %s", w.Code, body)
	}
	if evs := e.readEvents(en.ID); len(evs) != 1 || evs[0].Purpose != sharePurpose || evs[0].Details["path"] != "preview" {
		t.Errorf("record of the preview: %+v", evs)
	}
	// The whole-table download from the page reads under the stated purpose, masked.
	w = e.do(req{path: "/downloads/" + en.ID + "/csv", cookies: cookies})
	if body := w.Body.String(); w.Code != 200 || !strings.HasPrefix(body, "\uFEFF") || !strings.Contains(body, maskedID(idA)) || strings.Contains(body, idA) {
		t.Errorf("download under the stated purpose: %d %.300s", w.Code, body)
	}
	if evs := e.readEvents(en.ID); len(evs) != 2 || evs[0].Purpose != sharePurpose {
		t.Errorf("record of the download: %+v", evs)
	}
	// Another entry does not inherit the purpose.
	other := e.accessTable("常住人口信息二", pubdata.ClassUnconditional, pubdata.ClassNone)
	if w := e.do(req{path: "/downloads/" + other.ID + "/csv", cookies: cookies}); w.Code != 403 || !strings.Contains(w.Body.String(), `id="refused-purpose"`) {
		t.Errorf("another entry's download with this entry's purpose: %d", w.Code)
	}
	w = e.do(req{path: page + "?col=id_no&val=" + idA, cookies: cookies})
	if body := w.Body.String(); !strings.Contains(body, "is masked for you and cannot be filtered") || strings.Contains(body, maskedID(idA)) {
		t.Errorf("preview filtered on a masked column: %d", w.Code)
	}
	// The mask-policy page.
	if w := e.do(req{path: "/console/mask-policy", cookies: []*http.Cookie{e.login(pbAdmin)}}); w.Code != 200 || !strings.Contains(w.Body.String(), `name="grade_4"`) {
		t.Errorf("mask-policy page: %d", w.Code)
	}
}
