package http

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/api"
	"github.com/pubdata/pubdata/http/web"
)

// entryBody returns a valid create body: a table with two items and the classes given.
func entryBody(title, share, open string) map[string]any {
	b := map[string]any{
		"title": title, "summary": "包含企业名称、统一社会信用代码等字段。", "category": "3", "format": "table",
		"update_cycle": "daily", "share_class": share, "open_class": open, "division": "350000",
		"keywords": []string{"企业", "登记"},
		"items": []map[string]any{
			{"name": "uscc", "title": "统一社会信用代码", "type": "string", "key": true, "element": "uscc"},
			{"name": "name", "title": "企业名称", "type": "string"},
		},
	}
	if share == pubdata.ClassConditional {
		b["share_conditions"] = "用于市场监管执法"
	}
	if share == pubdata.ClassNone {
		b["share_basis"] = "《中华人民共和国保守国家秘密法》"
	}
	if open == pubdata.ClassConditional {
		b["open_conditions"] = "签订数据使用协议"
	}
	if open == pubdata.ClassNone {
		b["open_basis"] = "涉及个人信息"
	}
	return b
}

// addUser adds a user with a token to the env.
func (e *env) addUser(name, org string, role pubdata.Role) {
	e.t.Helper()
	u, err := e.srv.Users.CreateUser(system, &pubdata.UserCreate{Username: name, Password: password(name), OrgCode: org, Role: role})
	if err != nil {
		e.t.Fatal(err)
	}
	_, secret, err := e.srv.Tokens.CreateToken(system, u.ID, "fixture", 0)
	if err != nil {
		e.t.Fatal(err)
	}
	e.users[name], e.tokens[name] = u, secret
}

// createEntry creates an entry through the API as the actor and returns it.
func (e *env) createEntry(as string, body map[string]any) *pubdata.Entry {
	e.t.Helper()
	w := e.do(req{method: "POST", path: "/api/v1/entries", body: body, as: as})
	if w.Code != http.StatusCreated {
		e.t.Fatalf("create entry as %s: %d %s", as, w.Code, w.Body)
	}
	return decode[*pubdata.Entry](e.t, w)
}

// publish submits the entry as the provider's editor and approves it as the authority's
// reviewer.
func (e *env) publish(editor, id string) *pubdata.Entry {
	e.t.Helper()
	if w := e.do(req{method: "POST", path: "/api/v1/entries/" + id + "/submit", as: editor}); w.Code != http.StatusOK {
		e.t.Fatalf("submit %s: %d %s", id, w.Code, w.Body)
	}
	w := e.do(req{method: "POST", path: "/api/v1/entries/" + id + "/review", as: authReviewer, body: map[string]string{"decision": "approve", "comment": "同意"}})
	if w.Code == http.StatusConflict && strings.Contains(w.Body.String(), "override_reason") {
		// The pre-open check (E7) blocks opening personal items in clear: the fixtures'
		// authority admin overrides it (open_policy_test.go tests the check itself).
		w = e.do(req{method: "POST", path: "/api/v1/entries/" + id + "/review", as: authAdmin,
			body: map[string]string{"decision": "approve", "comment": "同意", "override_reason": "测试数据"}})
	}
	if w.Code != http.StatusOK {
		e.t.Fatalf("approve %s: %d %s", id, w.Code, w.Body)
	}
	return decode[*pubdata.Entry](e.t, w)
}

// errorFieldsOf returns the fields member of an error reply.
func errorFieldsOf(t *testing.T, body []byte) map[string]string {
	t.Helper()
	var v struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	return v.Error.Fields
}

func TestEntryCreateFieldErrors(t *testing.T) {
	e := newEnv(t)
	body := entryBody("企业登记信息", pubdata.ClassConditional, pubdata.ClassNone)
	delete(body, "share_conditions")
	delete(body, "open_basis")
	w := e.do(req{method: "POST", path: "/api/v1/entries", body: body, as: pbEditor})
	wantError(t, w, http.StatusBadRequest, "invalid")
	fields := errorFieldsOf(t, w.Body.Bytes())
	if fields["share_conditions"] == "" || fields["open_basis"] == "" || len(fields) != 2 {
		t.Errorf("fields = %v, want share_conditions and open_basis: %s", fields, w.Body)
	}

	for _, tc := range []struct {
		name   string
		change func(map[string]any)
		field  string
	}{
		{"unknown division", func(b map[string]any) { b["division"] = "359999" }, "division"},
		{"division outside the provider's", func(b map[string]any) { b["division"] = "110000" }, "division"},
		{"bad code", func(b map[string]any) { b["code"] = "abc" }, "code"},
		{"bad item type", func(b map[string]any) { b["items"] = []map[string]any{{"name": "a", "title": "A", "type": "blob"}} }, "items[0].type"},
		{"no title", func(b map[string]any) { b["title"] = " " }, "title"},
		{"open none without basis", func(b map[string]any) { b["open_class"] = "none"; delete(b, "open_basis") }, "open_basis"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := entryBody("企业登记信息", pubdata.ClassUnconditional, pubdata.ClassUnconditional)
			tc.change(b)
			w := e.do(req{method: "POST", path: "/api/v1/entries", body: b, as: pbEditor})
			wantError(t, w, http.StatusBadRequest, "invalid")
			if f := errorFieldsOf(t, w.Body.Bytes()); f[tc.field] == "" {
				t.Errorf("no error on %s: %s", tc.field, w.Body)
			}
		})
	}
	// Errors without fields keep the old shape.
	w = e.do(req{method: "POST", path: "/api/v1/entries", body: `{"nope":1}`, as: pbEditor})
	wantError(t, w, http.StatusBadRequest, "invalid")
	if strings.Contains(w.Body.String(), `"fields"`) {
		t.Errorf("unknown-field error has fields: %s", w.Body)
	}
}

func TestEntryCreatePermissions(t *testing.T) {
	e := newEnv(t)
	body := func(string) any { return entryBody("企业登记信息", "unconditional", "unconditional") }
	want := map[string]int{
		anonymous: 401, authAdmin: 201, authEditor: 201, authReviewer: 403, authMember: 403,
		pbAdmin: 201, pbEditor: 201, pbReviewer: 403, pbMember: 403, citizen: 403, cityAdmin: 400, // Fuzhou's authority: 350000 is outside its division
	}
	for _, actor := range everyone {
		w := e.do(req{method: "POST", path: "/api/v1/entries", body: body(actor), as: actor})
		if w.Code != want[actor] {
			t.Errorf("create as %q: %d, want %d: %s", actor, w.Code, want[actor], w.Body)
		}
	}
	w := e.do(req{method: "POST", path: "/api/v1/entries", body: map[string]any{"title": "福州市企业", "category": "3", "format": "file", "update_cycle": "monthly", "share_class": "unconditional", "open_class": "unconditional"}, as: cityAdmin})
	if w.Code != http.StatusCreated {
		t.Fatalf("city authority's entry in its own division: %d %s", w.Code, w.Body)
	}
	if got := decode[*pubdata.Entry](t, w); got.Division != "350100" || got.Org != "fz-dsj" {
		t.Errorf("default division and org: %+v", got)
	}
}

func TestEntryWorkflow(t *testing.T) {
	e := newEnv(t)
	e.addUser("xm-editor", "xm-scj", pubdata.RoleEditor)

	open := e.createEntry(pbEditor, entryBody("企业登记信息", "unconditional", "unconditional"))
	closed := e.createEntry(pbEditor, entryBody("户籍人口信息", "conditional", "none"))
	if open.Status != pubdata.StatusDraft || open.Version != 0 || open.Org != "fj-gat" || !pubdata.ValidResourceCode(open.Code) {
		t.Fatalf("created %+v", open)
	}
	get := func(as, id string) int { return e.do(req{path: "/api/v1/entries/" + id, as: as}).Code }

	// A draft: its provider and the authority see it; nobody else knows it exists.
	for as, want := range map[string]int{pbMember: 200, authReviewer: 200, authMember: 200, anonymous: 404, citizen: 404, "xm-scj-member": 404, cityAdmin: 404} {
		if got := get(as, open.ID); got != want {
			t.Errorf("GET draft as %q: %d, want %d", as, got, want)
		}
	}
	// Only the provider's editors edit.
	patch := map[string]any{"summary": "企业登记的基本信息。"}
	for as, want := range map[string]int{pbMember: 403, pbReviewer: 403, authReviewer: 403, "xm-editor": 404, anonymous: 401} {
		w := e.do(req{method: "PATCH", path: "/api/v1/entries/" + open.ID, body: patch, as: as})
		if w.Code != want {
			t.Errorf("PATCH as %q: %d, want %d: %s", as, w.Code, want, w.Body)
		}
	}
	w := e.do(req{method: "PATCH", path: "/api/v1/entries/" + open.ID, body: patch, as: pbEditor})
	if w.Code != http.StatusOK {
		t.Fatalf("PATCH: %d %s", w.Code, w.Body)
	}
	if got := decode[*pubdata.Entry](t, w); got.Summary != "企业登记的基本信息。" || got.Title != "企业登记信息" || len(got.Items) != 2 || !got.Items[0].Key {
		t.Errorf("patch merged into %+v", got)
	}
	w = e.do(req{method: "PATCH", path: "/api/v1/entries/" + open.ID, body: map[string]any{"share_class": "conditional"}, as: pbEditor})
	wantError(t, w, http.StatusBadRequest, "invalid")
	if errorFieldsOf(t, w.Body.Bytes())["share_conditions"] == "" {
		t.Errorf("patch to conditional without conditions: %s", w.Body)
	}
	wantError(t, e.do(req{method: "PATCH", path: "/api/v1/entries/" + open.ID, body: map[string]any{"status": "published"}, as: pbEditor}), 400, "invalid")

	// Submit: the provider's editors only.
	wantError(t, e.do(req{method: "POST", path: "/api/v1/entries/" + open.ID + "/submit", as: pbMember}), 403, "forbidden")
	w = e.do(req{method: "POST", path: "/api/v1/entries/" + open.ID + "/submit", as: pbEditor})
	if w.Code != 200 || decode[*pubdata.Entry](t, w).Status != pubdata.StatusSubmitted {
		t.Fatalf("submit: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{method: "PATCH", path: "/api/v1/entries/" + open.ID, body: patch, as: pbEditor}), 409, "conflict")
	wantError(t, e.do(req{method: "POST", path: "/api/v1/entries/" + open.ID + "/submit", as: pbEditor}), 409, "conflict")

	// The review queue.
	w = e.do(req{path: "/api/v1/entries?status=submitted", as: authReviewer})
	if l := decode[api.SearchReply](t, w); w.Code != 200 || l.Total != 1 || l.Items[0].ID != open.ID {
		t.Fatalf("review queue: %d %s", w.Code, w.Body)
	}
	// Review: the authority only; a rejection needs a comment.
	approve := map[string]string{"decision": "approve"}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/entries/" + open.ID + "/review", body: approve, as: pbEditor}), 403, "forbidden")
	wantError(t, e.do(req{method: "POST", path: "/api/v1/entries/" + open.ID + "/review", body: approve, as: pbAdmin}), 403, "forbidden")
	wantError(t, e.do(req{method: "POST", path: "/api/v1/entries/" + open.ID + "/review", body: approve, as: authEditor}), 403, "forbidden")
	w = e.do(req{method: "POST", path: "/api/v1/entries/" + open.ID + "/review", body: map[string]string{"decision": "reject"}, as: authReviewer})
	wantError(t, w, 400, "invalid")
	if errorFieldsOf(t, w.Body.Bytes())["comment"] == "" {
		t.Errorf("reject without comment: %s", w.Body)
	}
	wantError(t, e.do(req{method: "POST", path: "/api/v1/entries/" + open.ID + "/review", body: map[string]string{"decision": "maybe"}, as: authReviewer}), 400, "invalid")
	w = e.do(req{method: "POST", path: "/api/v1/entries/" + open.ID + "/review", body: approve, as: authReviewer})
	if got := decode[*pubdata.Entry](t, w); w.Code != 200 || got.Status != pubdata.StatusPublished || got.Version != 1 {
		t.Fatalf("approve: %d %s", w.Code, w.Body)
	}

	// Rejected, then edited and resubmitted.
	e.do(req{method: "POST", path: "/api/v1/entries/" + closed.ID + "/submit", as: pbEditor})
	w = e.do(req{method: "POST", path: "/api/v1/entries/" + closed.ID + "/review", body: map[string]string{"decision": "reject", "comment": "请补充信息项"}, as: authAdmin})
	if got := decode[*pubdata.Entry](t, w); w.Code != 200 || got.Status != pubdata.StatusRejected || got.ReviewComment != "请补充信息项" {
		t.Fatalf("reject: %d %s", w.Code, w.Body)
	}
	e.publish(pbEditor, closed.ID)

	// Published: everyone who may see the published catalogue sees it; the public sees the
	// open catalogue only.
	for as, want := range map[string]int{anonymous: 200, citizen: 200, "xm-scj-member": 200, pbMember: 200} {
		if got := get(as, open.ID); got != want {
			t.Errorf("GET open entry as %q: %d, want %d", as, got, want)
		}
	}
	for as, want := range map[string]int{anonymous: 404, citizen: 404, "xm-scj-member": 200, pbMember: 200, "xm-editor": 200} {
		if got := get(as, closed.ID); got != want {
			t.Errorf("GET non-open entry as %q: %d, want %d", as, got, want)
		}
	}
	// Another organisation's editor sees the published entry but may not change it.
	wantError(t, e.do(req{method: "PATCH", path: "/api/v1/entries/" + open.ID, body: patch, as: "xm-editor"}), 403, "forbidden")
	wantError(t, e.do(req{method: "POST", path: "/api/v1/entries/" + open.ID + "/submit", as: "xm-editor"}), 403, "forbidden")
	wantError(t, e.do(req{method: "POST", path: "/api/v1/entries/" + open.ID + "/retire", body: map[string]string{"reason": "x"}, as: "xm-editor"}), 403, "forbidden")
	// The public view hides the workflow's internals.
	w = e.do(req{path: "/api/v1/entries/" + closed.ID, as: "xm-scj-member"})
	if got := decode[*pubdata.Entry](t, w); got.ReviewComment != "" || got.Status != pubdata.StatusPublished {
		t.Errorf("published view: %s", w.Body)
	}

	// A new version and its diff.
	w = e.do(req{method: "PATCH", path: "/api/v1/entries/" + open.ID, body: map[string]any{"title": "企业登记基本信息", "keywords": []string{"企业"}}, as: pbEditor})
	if got := decode[*pubdata.Entry](t, w); w.Code != 200 || got.Status != pubdata.StatusDraft {
		t.Fatalf("edit published: %d %s", w.Code, w.Body)
	}
	// While the change waits, the public still sees version 1.
	if got := decode[*pubdata.Entry](t, e.do(req{path: "/api/v1/entries/" + open.ID})); got.Title != "企业登记信息" || got.Version != 1 {
		t.Errorf("public view during an edit: %+v", got)
	}
	w = e.do(req{path: "/api/v1/entries/" + open.ID + "/diff?from=1&to=working", as: pbEditor})
	if d := decode[api.EntryDiffReply](t, w); w.Code != 200 || len(d.Changes) != 2 || d.Changes[0].Field != "title" {
		t.Errorf("diff 1..working: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{path: "/api/v1/entries/" + open.ID + "/diff?from=1&to=working"}), 400, "invalid")
	e.publish(pbEditor, open.ID)
	w = e.do(req{path: "/api/v1/entries/" + open.ID + "/versions"})
	vs := decode[web.ListReply[*pubdata.EntryVersion]](t, w)
	if w.Code != 200 || vs.Total != 2 || vs.Items[0].Version != 2 || vs.Items[0].Reviewer != "" {
		t.Fatalf("versions as anonymous: %d %s", w.Code, w.Body)
	}
	if vs := decode[web.ListReply[*pubdata.EntryVersion]](t, e.do(req{path: "/api/v1/entries/" + open.ID + "/versions", as: pbEditor})); vs.Items[0].Reviewer != authReviewer {
		t.Errorf("the provider does not see the reviewer: %+v", vs.Items[0])
	}
	w = e.do(req{path: "/api/v1/entries/" + open.ID + "/diff?from=1&to=2"})
	d := decode[api.EntryDiffReply](t, w)
	if w.Code != 200 || len(d.Changes) != 2 || d.Changes[0].From != "企业登记信息" || d.Changes[0].To != "企业登记基本信息" {
		t.Errorf("diff 1..2: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{path: "/api/v1/entries/" + open.ID + "/diff?from=1&to=9"}), 404, "not_found")
	wantError(t, e.do(req{path: "/api/v1/entries/" + open.ID + "/diff?from=x&to=1"}), 400, "invalid")
	wantError(t, e.do(req{path: "/api/v1/entries/" + closed.ID + "/versions"}), 404, "not_found")

	// Search: the public finds the open entry only; public bodies both.
	search := func(as, query string) api.SearchReply {
		t.Helper()
		w := e.do(req{path: "/api/v1/entries?" + query, as: as})
		if w.Code != 200 {
			t.Fatalf("search %s as %q: %d %s", query, as, w.Code, w.Body)
		}
		return decode[api.SearchReply](t, w)
	}
	ids := func(l api.SearchReply) []string {
		var out []string
		for _, it := range l.Items {
			out = append(out, it.ID)
		}
		return out
	}
	if got := search(anonymous, "q=企业登记"); got.Total != 1 || got.Items[0].ID != open.ID {
		t.Errorf("anonymous search: %+v", ids(got))
	}
	if got := search(citizen, ""); got.Total != 1 || got.Facets["open_class"]["none"] != 0 {
		t.Errorf("public user's catalogue: %v %v", ids(got), got.Facets)
	}
	got := search(pbMember, "")
	if got.Total != 2 || got.Facets["share_class"]["conditional"] != 1 || got.Facets["org"]["fj-gat"] != 2 || got.Facets["open_class"]["none"] != 1 {
		t.Errorf("public body's catalogue: %v %v", ids(got), got.Facets)
	}
	if got := search(pbMember, "share_class=conditional,none&org=fj-gat"); got.Total != 1 || got.Items[0].ID != closed.ID {
		t.Errorf("filtered search: %v", ids(got))
	}
	if got := search(pbMember, "division=350100"); got.Total != 0 {
		t.Errorf("division=350100: %v", ids(got))
	}
	if got := search(pbMember, "limit=1&sort=code"); len(got.Items) != 1 || got.Next == "" {
		t.Errorf("page 1: %+v", got)
	} else if got2 := search(pbMember, "limit=1&sort=code&cursor="+got.Next); len(got2.Items) != 1 || got2.Next != "" || got2.Items[0].ID == got.Items[0].ID {
		t.Errorf("page 2: %+v", got2)
	}
	for _, bad := range []string{"cursor=zzz", "limit=0", "sort=price", "division=35"} {
		wantError(t, e.do(req{path: "/api/v1/entries?" + bad}), 400, "invalid")
	}

	// Lists.
	listCodes := func(as, kind string) []string {
		t.Helper()
		w := e.do(req{path: "/api/v1/lists/" + kind, as: as})
		if w.Code != 200 {
			t.Fatalf("list %s: %d %s", kind, w.Code, w.Body)
		}
		var out []string
		for _, row := range decode[web.ListReply[map[string]string]](t, w).Items {
			out = append(out, row["id"])
		}
		slices.Sort(out)
		return out
	}
	both := []string{open.ID, closed.ID}
	slices.Sort(both)
	for _, tc := range []struct {
		as, kind string
		want     []string
	}{
		{pbMember, "share", both},
		{anonymous, "share", []string{open.ID}},
		{anonymous, "open", []string{open.ID}},
		{pbMember, "open", []string{open.ID}},
		{anonymous, "negative", []string{closed.ID}},
		{anonymous, "responsibility", []string{open.ID}},
		{pbMember, "responsibility", both},
		{anonymous, "demand", nil},
	} {
		if got := listCodes(tc.as, tc.kind); !slices.Equal(got, tc.want) {
			t.Errorf("%s list as %q: %v, want %v", tc.kind, tc.as, got, tc.want)
		}
	}
	w = e.do(req{path: "/api/v1/lists/negative"})
	if row := decode[web.ListReply[map[string]string]](t, w).Items[0]; row["open_basis"] != "涉及个人信息" || row["share_class"] != "conditional" || row["title"] != "户籍人口信息" {
		t.Errorf("negative list row: %v", row)
	}

	// Retire: the provider's editor or the authority, with a reason.
	wantError(t, e.do(req{method: "POST", path: "/api/v1/entries/" + open.ID + "/retire", body: map[string]string{"reason": "停止采集"}, as: pbMember}), 403, "forbidden")
	w = e.do(req{method: "POST", path: "/api/v1/entries/" + open.ID + "/retire", body: map[string]string{}, as: pbEditor})
	wantError(t, w, 400, "invalid")
	if errorFieldsOf(t, w.Body.Bytes())["reason"] == "" {
		t.Errorf("retire without reason: %s", w.Body)
	}
	w = e.do(req{method: "POST", path: "/api/v1/entries/" + open.ID + "/retire", body: map[string]string{"reason": "停止采集"}, as: authReviewer})
	if got := decode[*pubdata.Entry](t, w); w.Code != 200 || got.Status != pubdata.StatusRetired {
		t.Fatalf("retire: %d %s", w.Code, w.Body)
	}
	if got := get(anonymous, open.ID); got != 404 {
		t.Errorf("retired entry for the public: %d", got)
	}
	if got := search(anonymous, ""); got.Total != 0 {
		t.Errorf("retired entry still in search: %v", ids(got))
	}
	wantError(t, e.do(req{method: "PATCH", path: "/api/v1/entries/" + open.ID, body: patch, as: pbEditor}), 409, "conflict")
}

func TestEntryWorkingLists(t *testing.T) {
	e := newEnv(t)
	a := e.createEntry(pbEditor, entryBody("企业登记信息", "unconditional", "unconditional"))
	e.createEntry(authEditor, entryBody("大数据局目录", "unconditional", "unconditional"))
	e.do(req{method: "POST", path: "/api/v1/entries/" + a.ID + "/submit", as: pbEditor})
	count := func(as, query string) int {
		t.Helper()
		w := e.do(req{path: "/api/v1/entries?" + query, as: as})
		if w.Code != 200 {
			t.Fatalf("%s as %s: %d %s", query, as, w.Code, w.Body)
		}
		return decode[api.SearchReply](t, w).Total
	}
	for _, tc := range []struct {
		as, query string
		want      int
	}{
		{pbMember, "mine=true", 1},
		{pbMember, "status=submitted", 1},
		{pbMember, "status=draft", 0},
		{authReviewer, "status=submitted", 1},
		{authReviewer, "mine=true", 1},
		{authReviewer, "status=draft", 1},
		{cityAdmin, "status=submitted", 0},
		{"xm-scj-member", "mine=true", 0},
	} {
		if got := count(tc.as, tc.query); got != tc.want {
			t.Errorf("%s as %s: %d, want %d", tc.query, tc.as, got, tc.want)
		}
	}
	wantError(t, e.do(req{path: "/api/v1/entries?mine=true"}), 401, "unauthorized")
	wantError(t, e.do(req{path: "/api/v1/entries?mine=true", as: citizen}), 403, "forbidden")
	wantError(t, e.do(req{path: "/api/v1/entries?status=submitted&org=fj-dsj", as: pbMember}), 403, "forbidden")
	wantError(t, e.do(req{path: "/api/v1/entries?status=lost", as: pbMember}), 400, "invalid")
}

func TestElementsAPI(t *testing.T) {
	e := newEnv(t)
	wantError(t, e.do(req{path: "/api/v1/elements"}), 401, "unauthorized")
	w := e.do(req{path: "/api/v1/elements", as: citizen})
	els := decode[web.ListReply[*pubdata.DataElement]](t, w)
	if w.Code != 200 || els.Total < 8 || !slices.ContainsFunc(els.Items, func(d *pubdata.DataElement) bool { return d.Code == "resident_id" }) {
		t.Fatalf("elements: %d %s", w.Code, w.Body)
	}
	entry := e.createEntry(pbEditor, entryBody("人口基础信息", "conditional", "none"))
	path := "/api/v1/elements/resident_id/source"
	for as, want := range map[string]int{anonymous: 401, pbAdmin: 403, authReviewer: 403, cityAdmin: 403} {
		if w := e.do(req{method: "PUT", path: path, body: map[string]string{"org": "fj-gat"}, as: as}); w.Code != want {
			t.Errorf("PUT source as %q: %d, want %d: %s", as, w.Code, want, w.Body)
		}
	}
	wantError(t, e.do(req{method: "PUT", path: path, body: map[string]string{"org": "nope"}, as: authAdmin}), 400, "invalid")
	wantError(t, e.do(req{method: "PUT", path: path, body: map[string]string{"org": "xm-scj", "entry": entry.ID}, as: authAdmin}), 400, "invalid")
	wantError(t, e.do(req{method: "PUT", path: "/api/v1/elements/nope/source", body: map[string]string{"org": "fj-gat"}, as: authAdmin}), 404, "not_found")
	w = e.do(req{method: "PUT", path: path, body: map[string]string{"org": "fj-gat", "entry": entry.ID}, as: authAdmin})
	if el := decode[*pubdata.DataElement](t, w); w.Code != 200 || el.Source != "fj-gat" || el.SourceEntry != entry.ID || el.SourceName != "福建省公安厅" {
		t.Fatalf("set source: %d %s", w.Code, w.Body)
	}
	// Another provider collecting the element is flagged on submission (B2).
	e.addUser("xm-editor", "xm-scj", pubdata.RoleEditor)
	b := entryBody("个体户信息", "unconditional", "unconditional")
	b["division"] = "350200"
	b["items"] = []map[string]any{{"name": "id_no", "title": "身份证号", "type": "string", "element": "resident_id"}}
	x := e.createEntry("xm-editor", b)
	w = e.do(req{method: "POST", path: "/api/v1/entries/" + x.ID + "/submit", as: "xm-editor"})
	if got := decode[*pubdata.Entry](t, w); len(got.Flags) != 1 || got.Flags[0].Source != "fj-gat" || got.Flags[0].SourceEntry != entry.ID {
		t.Errorf("flags on submit: %s", w.Body)
	}
	w = e.do(req{method: "PUT", path: path, body: map[string]string{}, as: authAdmin})
	if el := decode[*pubdata.DataElement](t, w); w.Code != 200 || el.Source != "" {
		t.Errorf("clear source: %d %s", w.Code, w.Body)
	}
}

func TestListDownloads(t *testing.T) {
	e := newEnv(t)
	b := entryBody(`=HYPERLINK("x") 企业"登记",信息`, "unconditional", "conditional")
	x := e.createEntry(pbEditor, b)
	e.publish(pbEditor, x.ID)
	w := e.do(req{path: "/api/v1/lists/open?format=csv"})
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") || !strings.Contains(w.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("csv: %d %v", w.Code, w.Header())
	}
	body := w.Body.String()
	if !strings.HasPrefix(body, "\ufeff信息资源代码,信息资源名称,") {
		t.Errorf("csv does not start with a BOM and the Chinese header: %q", body[:min(len(body), 80)])
	}
	if !strings.Contains(body, `"'=HYPERLINK(""x"") 企业""登记"",信息"`) {
		t.Errorf("formula not neutralised or quoting wrong: %s", body)
	}
	if !strings.Contains(body, "\r\n") {
		t.Errorf("csv lines do not end in CRLF")
	}
	if strings.Contains(body, web.MissingMarker) {
		t.Errorf("untranslated text in csv: %s", body)
	}
	w = e.do(req{path: "/api/v1/lists/open?format=csv&lang=en"})
	if !strings.HasPrefix(w.Body.String(), "\ufeffResource code,Title,") {
		t.Errorf("English csv: %q", w.Body.String()[:40])
	}
	w = e.do(req{path: "/api/v1/lists/demand?format=csv", header: http.Header{"Accept-Language": {"en-GB,en;q=0.9"}}})
	if w.Code != 200 || w.Body.String() != "\ufeffDemand id,Demand,Description,Asking organisation,Answering entry,Status,Asked at\r\n" {
		t.Errorf("demand csv: %d %q", w.Code, w.Body)
	}
	for _, bad := range []string{"/api/v1/lists/open?format=xml", "/api/v1/lists/open?lang=fr", "/api/v1/lists/share?limit=5000"} {
		wantError(t, e.do(req{path: bad}), 400, "invalid")
	}
	wantError(t, e.do(req{path: "/api/v1/lists/other"}), 404, "not_found")
}
