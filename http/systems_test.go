package http

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/sqlstore"
)

// newSystemsEnv is an env with the systems register and an editor of another unit
// (fz-scj-editor).
func newSystemsEnv(t *testing.T) *env {
	e := newEnv(t)
	e.srv.Systems = sqlstore.NewSystemService(e.db)
	u, err := e.srv.Users.CreateUser(system, &pubdata.UserCreate{Username: "fz-scj-editor", Password: password("fz-scj-editor"), OrgCode: "fz-scj", Role: pubdata.RoleEditor})
	if err != nil {
		t.Fatal(err)
	}
	e.users[u.Username] = u
	if _, secret, err := e.srv.Tokens.CreateToken(system, u.ID, "fixture", 0); err != nil {
		t.Fatal(err)
	} else {
		e.tokens[u.Username] = secret
	}
	return e
}

func (e *env) board(as, query string, want int) *struct {
	Division string                    `json:"division"`
	Units    []pubdata.UnitUnconnected `json:"units"`
} {
	e.t.Helper()
	w := e.do(req{path: "/api/v1/systems/unconnected" + query, as: as})
	if w.Code != want {
		e.t.Fatalf("board%s as %q: %d %s", query, as, w.Code, w.Body)
	}
	out := &struct {
		Division string                    `json:"division"`
		Units    []pubdata.UnitUnconnected `json:"units"`
	}{}
	if want == http.StatusOK {
		*out = decode[struct {
			Division string                    `json:"division"`
			Units    []pubdata.UnitUnconnected `json:"units"`
		}](e.t, w)
	}
	return out
}

func (e *env) tokenID(username string) string {
	e.t.Helper()
	list, err := e.srv.Tokens.FindTokens(context.Background(), e.users[username].ID)
	if err != nil || len(list) == 0 {
		e.t.Fatalf("tokens of %s: %v", username, err)
	}
	return list[0].ID
}

// TestSystemsAPI: a unit's editor registers a system listing its entry and token; the
// board drops the unit; who may read, change and delete is the domain's, and everyone else
// is refused.
func TestSystemsAPI(t *testing.T) {
	e := newSystemsEnv(t)
	en := e.publish(pbEditor, e.createEntry(pbEditor, entryBody("企业名录", pubdata.ClassUnconditional, pubdata.ClassUnconditional)).ID)
	b := e.board(authAdmin, "", 200)
	if b.Division != "350000" || len(b.Units) != 1 || b.Units[0].Org != "fj-gat" || b.Units[0].Catalogued != 1 || b.Units[0].Unconnected[0].Entry != en.ID {
		t.Fatalf("board %+v", b)
	}
	if b := e.board(cityAdmin, "", 200); len(b.Units) != 0 || b.Division != "350100" {
		t.Fatalf("the city's board %+v", b)
	}
	e.board(authMember, "", 200)
	e.board(cityAdmin, "?division=350000", http.StatusForbidden)
	e.board(authAdmin, "?division=35", http.StatusBadRequest)
	for _, who := range []string{pbAdmin, pbEditor, citizen} {
		e.board(who, "", http.StatusForbidden)
	}
	e.board(anonymous, "", http.StatusUnauthorized)

	body := map[string]any{"name": "公安综合业务系统", "owner": "张三", "kind": "feeds", "entries": []string{en.ID}, "tokens": []string{e.tokenID(pbEditor)}}
	for who, want := range map[string]int{pbMember: 403, pbReviewer: 403, authAdmin: 403, citizen: 403, "fz-scj-editor": 403, cityAdmin: 403, anonymous: 401} {
		if who == "fz-scj-editor" {
			// another unit's editor lists fj-gat's entry in its own unit's register: invalid
			if w := e.do(req{method: "POST", path: "/api/v1/systems", as: who, body: body}); w.Code != 400 {
				t.Fatalf("another unit's editor: %d %s", w.Code, w.Body)
			}
			b2 := map[string]any{"org": "fj-gat", "name": "x", "owner": "y"}
			wantError(t, e.do(req{method: "POST", path: "/api/v1/systems", as: who, body: b2}), want, pubdata.EFORBIDDEN)
			continue
		}
		w := e.do(req{method: "POST", path: "/api/v1/systems", as: who, body: map[string]any{"org": "fj-gat", "name": "x", "owner": "y"}})
		if w.Code != want {
			t.Fatalf("create as %q: %d %s", who, w.Code, w.Body)
		}
	}
	w := e.do(req{method: "POST", path: "/api/v1/systems?lang=zh-CN", as: pbEditor, body: map[string]any{"name": "", "owner": "", "kind": "x"}})
	if w.Code != 400 || !strings.Contains(w.Body.String(), "请填写系统名称") {
		t.Fatalf("invalid: %d %s", w.Code, w.Body)
	}
	w = e.do(req{method: "POST", path: "/api/v1/systems", as: pbEditor, body: body})
	if w.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	sys := decode[pubdata.InformationSystem](t, w)
	if sys.Org != "fj-gat" || len(sys.Entries) != 1 || len(sys.Tokens) != 1 {
		t.Fatalf("created %+v", sys)
	}
	if b := e.board(authAdmin, "", 200); len(b.Units) != 0 {
		t.Fatalf("after registering: %+v", b.Units)
	}
	// Reading: the unit's users and the covering authority.
	for who, want := range map[string]int{pbMember: 200, authReviewer: 200, cityAdmin: 404, "fz-scj-editor": 404, citizen: 404, anonymous: 401} {
		if w := e.do(req{path: "/api/v1/systems/" + sys.ID, as: who}); w.Code != want {
			t.Fatalf("get as %q: %d %s", who, w.Code, w.Body)
		}
	}
	for who, want := range map[string]int{pbMember: 200, authAdmin: 200, cityAdmin: 403, "fz-scj-editor": 403, citizen: 403} {
		if w := e.do(req{path: "/api/v1/systems?org=fj-gat", as: who}); w.Code != want {
			t.Fatalf("list as %q: %d %s", who, w.Code, w.Body)
		}
	}
	if w := e.do(req{path: "/api/v1/systems", as: pbMember}); w.Code != 200 || !strings.Contains(w.Body.String(), "公安综合业务系统") {
		t.Fatalf("own list: %d %s", w.Code, w.Body)
	}
	// Changing: the unit's admins and editors.
	put := map[string]any{"name": "公安综合业务系统二期", "owner": "李四", "kind": "both"}
	for who, want := range map[string]int{pbMember: 403, authAdmin: 403, cityAdmin: 404, "fz-scj-editor": 404, citizen: 404, anonymous: 401} {
		if w := e.do(req{method: "PUT", path: "/api/v1/systems/" + sys.ID, as: who, body: put}); w.Code != want {
			t.Fatalf("put as %q: %d %s", who, w.Code, w.Body)
		}
		if w := e.do(req{method: "DELETE", path: "/api/v1/systems/" + sys.ID, as: who}); w.Code != want {
			t.Fatalf("delete as %q: %d %s", who, w.Code, w.Body)
		}
	}
	if w := e.do(req{method: "PUT", path: "/api/v1/systems/" + sys.ID, as: pbAdmin, body: put}); w.Code != 200 || !strings.Contains(w.Body.String(), "二期") {
		t.Fatalf("put: %d %s", w.Code, w.Body)
	}
	if b := e.board(authAdmin, "", 200); len(b.Units) != 1 {
		t.Fatalf("the system no longer lists the entry: %+v", b.Units)
	}
	if w := e.do(req{method: "DELETE", path: "/api/v1/systems/" + sys.ID, as: pbEditor}); w.Code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{path: "/api/v1/systems/" + sys.ID, as: pbEditor}), 404, pubdata.ENOTFOUND)
	for _, action := range []string{"system.create", "system.update", "system.delete"} {
		evs, _, _, err := e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Action: action, Object: "system:" + sys.ID})
		if err != nil || len(evs) != 1 || evs[0].Org != "fj-gat" {
			t.Fatalf("%s: %+v %v", action, evs, err)
		}
	}
}

// TestSystemsPages: the unit's register in Chinese and English — add (with its problems),
// edit, delete once confirmed; the authority's board; the refusals.
func TestSystemsPages(t *testing.T) {
	e := newSystemsEnv(t)
	en := e.publish(pbEditor, e.createEntry(pbEditor, entryBody("企业名录", pubdata.ClassUnconditional, pubdata.ClassUnconditional)).ID)
	ed, auth := e.login(pbEditor), e.login(authAdmin)
	for _, lang := range []string{"zh-CN", "en"} {
		w := e.page("GET", "/console/systems", ed, lang, nil)
		if w.Code != 200 || !strings.Contains(w.Body.String(), `name="entries" value="`+en.ID+`"`) || !strings.Contains(w.Body.String(), `id="systems-unconnected"`) {
			t.Fatalf("register %s: %d %s", lang, w.Code, w.Body)
		}
		checkPage(t, w.Body.String(), lang)
		w = e.page("GET", "/console/systems", auth, lang, nil)
		if w.Code != 200 || !strings.Contains(w.Body.String(), `id="board-fj-gat"`) {
			t.Fatalf("board %s: %d", lang, w.Code)
		}
		checkPage(t, w.Body.String(), lang)
		w = e.page("GET", "/console/systems?org=fj-gat", auth, lang, nil)
		if w.Code != 200 || strings.Contains(w.Body.String(), `action="/console/systems"`) {
			t.Fatalf("the unit's register for the authority %s: %d", lang, w.Code)
		}
		checkPage(t, w.Body.String(), lang)
	}
	w := e.page("POST", "/console/systems", ed, "en", url.Values{"name": {""}, "owner": {"张三"}, "kind": {"feeds"}})
	if w.Code != 400 || !strings.Contains(w.Body.String(), "The system&#39;s name is required") {
		t.Fatalf("add without a name: %d", w.Code)
	}
	checkPage(t, w.Body.String(), "en")
	w = e.page("POST", "/console/systems", ed, "zh-CN", url.Values{"name": {"公安综合业务系统"}, "owner": {"张三"}, "kind": {"uses"}, "entries": {en.ID}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("add: %d %s", w.Code, w.Body)
	}
	list, _ := e.srv.Systems.FindSystems(system, "fj-gat")
	if len(list) != 1 || list[0].Kind != "uses" || len(list[0].Entries) != 1 {
		t.Fatalf("registered %+v", list)
	}
	id := list[0].ID
	if w := e.page("GET", "/console/systems", auth, "zh-CN", nil); strings.Contains(w.Body.String(), `id="board-fj-gat"`) {
		t.Fatal("the unit stays on the board once connected")
	}
	for _, lang := range []string{"zh-CN", "en"} {
		w := e.page("GET", "/console/systems/"+id, ed, lang, nil)
		if w.Code != 200 || !strings.Contains(w.Body.String(), `id="system-delete-confirm"`) {
			t.Fatalf("system page %s: %d", lang, w.Code)
		}
		checkPage(t, w.Body.String(), lang)
	}
	if w := e.page("POST", "/console/systems/"+id, ed, "zh-CN", url.Values{"name": {"二期"}, "owner": {"李四"}, "kind": {"both"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", w.Code, w.Body)
	}
	if w := e.page("POST", "/console/systems/"+id+"/delete", ed, "en", url.Values{}); w.Code != 400 {
		t.Fatalf("delete unconfirmed: %d", w.Code)
	}
	// Refusals: the unit's member reads without forms; another unit, a citizen, anonymous.
	mem := e.login(pbMember)
	if w := e.page("GET", "/console/systems/"+id, mem, "en", nil); w.Code != 200 || strings.Contains(w.Body.String(), "<form method=\"post\" action=\"/console/systems") {
		t.Fatalf("member's view: %d", w.Code)
	}
	if w := e.page("POST", "/console/systems", mem, "en", url.Values{"name": {"x"}, "owner": {"y"}}); w.Code != 403 {
		t.Fatalf("member adds: %d", w.Code)
	}
	if w := e.page("POST", "/console/systems/"+id+"/delete", mem, "en", url.Values{"confirm": {"1"}}); w.Code != 403 {
		t.Fatalf("member deletes: %d", w.Code)
	}
	if w := e.page("GET", "/console/systems/"+id, e.login("fz-scj-editor"), "en", nil); w.Code != 404 {
		t.Fatalf("another unit's editor: %d", w.Code)
	}
	if w := e.page("GET", "/console/systems?org=fj-gat", e.login(cityAdmin), "en", nil); w.Code != 403 {
		t.Fatalf("city authority on a provincial unit: %d", w.Code)
	}
	if w := e.page("GET", "/console/systems", e.login(citizen), "en", nil); w.Code == 200 {
		t.Fatalf("citizen: %d", w.Code)
	}
	if w := e.page("GET", "/console/systems", nil, "en", nil); w.Code == 200 {
		t.Fatalf("anonymous: %d", w.Code)
	}
	if w := e.page("POST", "/console/systems/"+id+"/delete", ed, "en", url.Values{"confirm": {"1"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("delete: %d", w.Code)
	}
	if list, _ := e.srv.Systems.FindSystems(system, "fj-gat"); len(list) != 0 {
		t.Fatalf("after delete %+v", list)
	}
}
