package http

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/lib/sealed"
	"github.com/pubdata/pubdata/sqlstore"
)

const providerSecret = "sk-provider-7a6b5c4d3e2f"

// received is what the provider's server saw of one call.
type received struct {
	Method, Path, RawPath, Query, Body string
	Header                             http.Header
}

// provider is a real HTTP server standing for a provider's system: it records each request
// and answers with JSON, a cookie and a header of its own; /slow answers only when the
// caller gives up.
type provider struct {
	*httptest.Server
	mu   sync.Mutex
	seen []received
}

func newProvider(t *testing.T) *provider {
	p := &provider{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.seen = append(p.seen, received{Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Query: r.URL.RawQuery, Body: string(body), Header: r.Header.Clone()})
		p.mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/slow"):
			<-r.Context().Done()
			return
		case strings.HasSuffix(r.URL.Path, "/denied"):
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "provider_session", Value: "abc"})
		w.Header().Set("X-Provider-Internal", "node-7")
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"name":"福州某某科技有限公司","credit":"A"}`)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *provider) last(t *testing.T) received {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.seen) == 0 {
		t.Fatal("the provider got no request")
	}
	return p.seen[len(p.seen)-1]
}

func (p *provider) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.seen)
}

// newServiceEnv is an env with service interfaces.
func newServiceEnv(t *testing.T) *env {
	e := newEnv(t)
	key, err := sealed.LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Endpoints = sqlstore.NewEndpointService(e.db, key)
	return e
}

// serviceEntry creates an entry of format service of fj-gat with the classes given,
// published unless draft.
func (e *env) serviceEntry(title, share, open string, draft bool) *pubdata.Entry {
	e.t.Helper()
	b := entryBody(title, share, open)
	b["format"], b["items"] = "service", []any{}
	en := e.createEntry(pbEditor, b)
	if !draft {
		e.publish(pbEditor, en.ID)
	}
	return en
}

// callEvents returns the service.call events of an entry, newest first.
func (e *env) callEvents(id string) []*pubdata.Event {
	e.t.Helper()
	evs, _, _, err := e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Action: "service.call", Object: "entry:" + id, Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

func TestServiceEndpointAPI(t *testing.T) {
	e := newServiceEnv(t)
	en := e.serviceEntry("企业信用查询接口", pubdata.ClassConditional, pubdata.ClassNone, true)
	path := "/api/v1/entries/" + en.ID + "/endpoint"
	put := map[string]any{"base_url": "https://api.gat.example/credit", "methods": []string{"GET", "post"}, "credential_header": "X-Api-Key", "secret": providerSecret}

	// Nothing yet.
	wantError(t, e.do(req{path: path, as: pbMember}), 404, pubdata.ENOTFOUND)
	// Only the provider's editors and administrators register it; others do not even see
	// a draft of another organisation.
	wantError(t, e.do(req{method: "PUT", path: path, as: pbMember, body: put}), 403, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{method: "PUT", path: path, as: authAdmin, body: put}), 403, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{method: "PUT", path: path, as: "xm-scj-member", body: put}), 404, pubdata.ENOTFOUND)
	wantError(t, e.do(req{method: "PUT", path: path, body: put}), 401, pubdata.EUNAUTHORIZED)
	// Field errors, nothing written.
	w := e.do(req{method: "PUT", path: path, as: pbEditor, body: map[string]any{"base_url": "ftp://x", "credential_header": "X-Api-Key", "timeout_seconds": 90}})
	wantError(t, w, 400, pubdata.EINVALID)
	if f := errorFieldsOf(t, w.Body.Bytes()); f["base_url"] == "" || f["secret"] == "" || f["timeout_seconds"] == "" {
		t.Fatalf("fields: %v", f)
	}
	wantError(t, e.do(req{method: "PUT", path: path, as: pbEditor, body: map[string]any{"base_url": "https://x.example", "password": "x"}}), 400, pubdata.EINVALID)

	w = e.do(req{method: "PUT", path: path, as: pbEditor, body: put})
	if w.Code != 200 || strings.Contains(w.Body.String(), providerSecret) {
		t.Fatalf("put: %d %s", w.Code, w.Body)
	}
	v := decode[map[string]any](t, w)
	if v["status"] != "pending" || v["credential_set"] != true || v["credential_header"] != "X-Api-Key" || v["timeout_seconds"] != float64(10) ||
		v["call_url"] != "/api/v1/entries/"+en.ID+"/call/" || v["secret"] != nil {
		t.Fatalf("put: %v", v)
	}
	// The provider's users and the covering authority read it, never the secret.
	for _, who := range []string{pbMember, authMember, authReviewer} {
		w := e.do(req{path: path, as: who})
		if w.Code != 200 || strings.Contains(w.Body.String(), providerSecret) || !strings.Contains(w.Body.String(), `"credential_set":true`) {
			t.Fatalf("get as %s: %d %s", who, w.Code, w.Body)
		}
	}
	// Only an authority covering the entry confirms it.
	confirm := path + "/confirm"
	wantError(t, e.do(req{method: "POST", path: confirm, as: pbAdmin}), 403, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{method: "POST", path: confirm, as: authMember}), 403, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{method: "POST", path: confirm, as: cityAdmin}), 404, pubdata.ENOTFOUND) // 350100 does not cover 350000
	w = e.do(req{method: "POST", path: confirm, as: authReviewer})
	if v := decode[map[string]any](t, w); w.Code != 200 || v["status"] != "confirmed" || v["confirmed_by"] != authReviewer {
		t.Fatalf("confirm: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{method: "POST", path: confirm, as: authReviewer}), 409, pubdata.ECONFLICT)

	// Once published, another organisation sees the entry but not its endpoint.
	e.publish(pbEditor, en.ID)
	wantError(t, e.do(req{path: path, as: "xm-scj-member"}), 403, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{path: path, as: citizen}), 404, pubdata.ENOTFOUND)
	// A new secret returns it to pending.
	put["secret"] = "sk-provider-rotated"
	w = e.do(req{method: "PUT", path: path, as: pbAdmin, body: put})
	if v := decode[map[string]any](t, w); w.Code != 200 || v["status"] != "pending" {
		t.Fatalf("new secret: %d %s", w.Code, w.Body)
	}
	// A table entry has no endpoint.
	table := e.createEntry(pbEditor, entryBody("表", pubdata.ClassUnconditional, pubdata.ClassNone))
	wantError(t, e.do(req{method: "PUT", path: "/api/v1/entries/" + table.ID + "/endpoint", as: pbEditor, body: put}), 400, pubdata.EINVALID)
}

// confirmedService publishes a service entry with the classes given whose confirmed
// endpoint is p's URL under /base, allowing GET and POST with the provider's credential.
func (e *env) confirmedService(p *provider, share, open string, timeout int) *pubdata.Entry {
	e.t.Helper()
	en := e.serviceEntry("企业信用查询接口", share, open, false)
	path := "/api/v1/entries/" + en.ID + "/endpoint"
	body := map[string]any{"base_url": p.URL + "/base/", "methods": []string{"GET", "POST"}, "credential_header": "X-Api-Key", "secret": providerSecret}
	if timeout > 0 {
		body["timeout_seconds"] = timeout
	}
	if w := e.do(req{method: "PUT", path: path, as: pbEditor, body: body}); w.Code != 200 {
		e.t.Fatalf("put: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{method: "POST", path: path + "/confirm", as: authReviewer}); w.Code != 200 {
		e.t.Fatalf("confirm: %d %s", w.Code, w.Body)
	}
	return en
}

func TestServiceCallForwards(t *testing.T) {
	e := newServiceEnv(t)
	p := newProvider(t)
	en := e.confirmedService(p, pubdata.ClassConditional, pubdata.ClassNone, 0)
	call := "/api/v1/entries/" + en.ID + "/call/"

	w := e.do(req{path: call + "companies/9135%2F01/info?q=%E4%BC%81%E4%B8%9A&token=abc", as: pbMember, header: http.Header{
		"Cookie": {"pubdata_session=stolen"}, "X-Forwarded-For": {"10.0.0.1"}, "X-Forwarded-Host": {"evil.example"},
		"X-Api-Key": {"caller-made-up"}, "X-Purpose": {"核验企业信用"}, "Accept": {"application/json"},
	}})
	if w.Code != http.StatusCreated || w.Body.String() != `{"name":"福州某某科技有限公司","credit":"A"}` || w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("call: %d %v %s", w.Code, w.Header(), w.Body)
	}
	if w.Header().Get("Set-Cookie") != "" || w.Header().Get("X-Provider-Internal") != "" || strings.Contains(w.Body.String()+strings.Join(w.Header().Values("X-Api-Key"), ""), providerSecret) {
		t.Fatalf("reply headers leak: %v", w.Header())
	}
	got := p.last(t)
	if got.Method != "GET" || got.RawPath != "/base/companies/9135%2F01/info" || got.Query != "q=%E4%BC%81%E4%B8%9A&token=abc" {
		t.Fatalf("forwarded %+v", got)
	}
	if got.Header.Get("X-Api-Key") != providerSecret || len(got.Header.Values("X-Api-Key")) != 1 {
		t.Fatalf("credential header: %v", got.Header.Values("X-Api-Key"))
	}
	for _, h := range []string{"Authorization", "Cookie", "X-Forwarded-For", "X-Forwarded-Host"} {
		if got.Header.Get(h) != "" {
			t.Fatalf("the caller's %s reached the provider: %q", h, got.Header.Get(h))
		}
	}
	if got.Header.Get("Accept") != "application/json" || got.Header.Get("X-Request-Id") == "" {
		t.Fatalf("headers: %v", got.Header)
	}
	evs := e.callEvents(en.ID)
	if len(evs) != 1 {
		t.Fatalf("%d call events", len(evs))
	}
	ev := evs[0]
	if ev.Actor != pbMember || ev.Org != "fj-gat" || ev.Purpose != "核验企业信用" || ev.Details["method"] != "GET" ||
		ev.Details["path"] != "/companies/9135/01/info" || ev.Details["status"] != float64(201) || ev.Details["bytes"] != float64(len(w.Body.Bytes())) {
		t.Fatalf("event %+v", ev)
	}
	if strings.Contains(ev.Details["path"].(string), "token") {
		t.Fatal("the query reached the record")
	}

	// POST with a body, by the covering authority; the endpoint's own path with no rest.
	w = e.do(req{method: "POST", path: call, as: authMember, body: `{"uscc":"91350100M000100Y43"}`})
	if got := p.last(t); w.Code != 201 || got.Method != "POST" || got.Path != "/base/" || got.Body != `{"uscc":"91350100M000100Y43"}` || got.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("post: %d %+v", w.Code, got)
	}
	// A method the endpoint does not allow; a path climbing above the endpoint's URL.
	n := p.count()
	wantError(t, e.do(req{method: "DELETE", path: call + "x", as: pbMember}), 405, pubdata.EINVALID)
	wantError(t, e.do(req{path: call + "a/%2e%2e/%2E%2E/admin", as: pbMember}), 400, pubdata.EINVALID)
	if p.count() != n {
		t.Fatal("a refused call reached the provider")
	}
	// The provider refusing the platform's credential is the platform's problem: 502.
	wantError(t, e.do(req{path: call + "denied", as: pbMember}), 502, "bad_gateway")
}

func TestServiceCallRefused(t *testing.T) {
	e := newServiceEnv(t)
	p := newProvider(t)
	closed := e.confirmedService(p, pubdata.ClassConditional, pubdata.ClassNone, 0)
	conditional := e.confirmedService(p, pubdata.ClassConditional, pubdata.ClassConditional, 0)
	open := e.confirmedService(p, pubdata.ClassUnconditional, pubdata.ClassUnconditional, 0)
	call := func(en *pubdata.Entry) string { return "/api/v1/entries/" + en.ID + "/call/companies" }

	// Invisible entries are not found; visible ones the caller may not read are refused.
	wantError(t, e.do(req{path: call(closed)}), 404, pubdata.ENOTFOUND)
	wantError(t, e.do(req{path: call(closed), as: citizen}), 404, pubdata.ENOTFOUND)
	wantError(t, e.do(req{path: call(closed), as: "xm-scj-member"}), 403, pubdata.EFORBIDDEN)
	wantError(t, e.do(req{path: call(conditional)}), 401, pubdata.EUNAUTHORIZED)
	wantError(t, e.do(req{path: call(conditional), as: citizen}), 403, pubdata.EFORBIDDEN)
	if p.count() != 0 || len(e.callEvents(closed.ID))+len(e.callEvents(conditional.ID)) != 0 {
		t.Fatal("a refused call was forwarded or recorded")
	}
	// Unconditionally open: anyone.
	if w := e.do(req{path: call(open)}); w.Code != 201 {
		t.Fatalf("open entry, anonymous: %d %s", w.Code, w.Body)
	}
	if evs := e.callEvents(open.ID); len(evs) != 1 || evs[0].Actor != "" {
		t.Fatalf("anonymous call events %+v", evs)
	}

	// Not confirmed (again): refused, even for the provider.
	put := map[string]any{"base_url": p.URL + "/other", "credential_header": "X-Api-Key"}
	if w := e.do(req{method: "PUT", path: "/api/v1/entries/" + open.ID + "/endpoint", as: pbEditor, body: put}); w.Code != 200 {
		t.Fatalf("put: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{path: call(open), as: pbEditor}), 409, pubdata.ECONFLICT)
	wantError(t, e.do(req{path: call(open)}), 409, pubdata.ECONFLICT)
	// No endpoint at all.
	bare := e.serviceEntry("无接口", pubdata.ClassUnconditional, pubdata.ClassUnconditional, false)
	wantError(t, e.do(req{path: call(bare), as: pbEditor}), 409, pubdata.ECONFLICT)
	// Not a service interface; not published.
	table := e.createEntry(pbEditor, entryBody("表", pubdata.ClassUnconditional, pubdata.ClassUnconditional))
	e.publish(pbEditor, table.ID)
	wantError(t, e.do(req{path: call(table), as: pbEditor}), 400, pubdata.EINVALID)
	draft := e.serviceEntry("草稿", pubdata.ClassUnconditional, pubdata.ClassUnconditional, true)
	wantError(t, e.do(req{path: call(draft), as: pbEditor}), 404, pubdata.ENOTFOUND)
	if p.count() != 1 {
		t.Fatalf("refused calls reached the provider: %d", p.count())
	}
}

func TestServiceCallTimeoutAndUnreachable(t *testing.T) {
	e := newServiceEnv(t)
	p := newProvider(t)
	en := e.confirmedService(p, pubdata.ClassUnconditional, pubdata.ClassUnconditional, 1)
	w := e.do(req{path: "/api/v1/entries/" + en.ID + "/call/slow", as: pbMember})
	wantError(t, w, 504, "gateway_timeout")
	if !strings.Contains(w.Body.String(), "1 seconds") {
		t.Fatalf("timeout message: %s", w.Body)
	}
	evs := e.callEvents(en.ID)
	if len(evs) != 1 || evs[0].Details["error"] != "timeout" || evs[0].Details["status"] != float64(504) || evs[0].Details["path"] != "/slow" {
		t.Fatalf("timeout event %+v", evs)
	}

	gone := newProvider(t)
	dead := e.confirmedService(gone, pubdata.ClassUnconditional, pubdata.ClassUnconditional, 0)
	gone.Close()
	w = e.do(req{path: "/api/v1/entries/" + dead.ID + "/call/x", as: pbMember})
	wantError(t, w, 502, "bad_gateway")
	if evs := e.callEvents(dead.ID); len(evs) != 1 || evs[0].Details["error"] != "unreachable" {
		t.Fatalf("unreachable event %+v", evs)
	}
}

func TestEndpointPage(t *testing.T) {
	e := newServiceEnv(t)
	en := e.serviceEntry("企业信用查询接口", pubdata.ClassConditional, pubdata.ClassNone, false)
	page := "/console/entries/" + en.ID + "/endpoint"
	editor, member, reviewer, other := e.login(pbEditor), e.login(pbMember), e.login(authReviewer), e.login("xm-scj-member")

	// The entry's page links to it.
	if w := e.page("GET", "/console/entries/"+en.ID, editor, web.LangZH, nil); w.Code != 200 || !strings.Contains(w.Body.String(), `href="/console/entries/`+en.ID+`/endpoint"`) {
		t.Fatalf("entry page: %d", w.Code)
	}
	for _, lang := range []string{web.LangZH, web.LangEN} {
		w := e.page("GET", page, editor, lang, nil)
		if w.Code != 200 || !strings.Contains(w.Body.String(), `name="base_url"`) {
			t.Fatalf("%s: %d", lang, w.Code)
		}
		checkPage(t, w.Body.String(), lang)
		// Errors per field, in both languages; nothing saved.
		w = e.page("POST", page, editor, lang, url.Values{"base_url": {"ftp://x"}, "credential_header": {"X-Api-Key"}, "timeout_seconds": {"abc"}})
		if w.Code != 400 {
			t.Fatalf("%s errors: %d", lang, w.Code)
		}
		body := w.Body.String()
		checkPage(t, body, lang)
		if !strings.Contains(body, `id="endpoint-timeout-error"`) || strings.Contains(body, `id="endpoint-base-url-error"`) {
			t.Fatalf("%s: a bad timeout is reported first, alone", lang)
		}
		w = e.page("POST", page, editor, lang, url.Values{"base_url": {"ftp://x"}, "credential_header": {"X-Api-Key"}, "methods": {"GET", "TRACE"}})
		body = w.Body.String()
		checkPage(t, body, lang)
		for _, id := range []string{"endpoint-base-url-error", "endpoint-secret-error", "endpoint-methods-error"} {
			if w.Code != 400 || !strings.Contains(body, `id="`+id+`"`) {
				t.Fatalf("%s: no %s: %d", lang, id, w.Code)
			}
		}
	}
	if _, err := e.srv.Endpoints.FindEndpoint(system, en.ID); pubdata.ErrorCode(err) != pubdata.ENOTFOUND {
		t.Fatalf("a refused form was saved: %v", err)
	}
	// Saved: pending, the secret never shown.
	w := e.page("POST", page, editor, web.LangZH, url.Values{"base_url": {"https://api.gat.example/credit"}, "methods": {"GET", "POST"},
		"credential_header": {"X-Api-Key"}, "secret": {providerSecret}, "timeout_seconds": {"20"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != page+"?saved=1" {
		t.Fatalf("save: %d %v", w.Code, w.Header())
	}
	for _, c := range []*http.Cookie{editor, member, reviewer} {
		w := e.page("GET", page+"?saved=1", c, web.LangEN, nil)
		body := w.Body.String()
		if w.Code != 200 || strings.Contains(body, providerSecret) || !strings.Contains(body, "Awaiting confirmation") || !strings.Contains(body, "https://api.gat.example/credit") {
			t.Fatalf("view: %d", w.Code)
		}
		checkPage(t, body, web.LangEN)
		if hasForm, hasConfirm := strings.Contains(body, `name="base_url"`), strings.Contains(body, "/endpoint/confirm"); hasForm != (c == editor) || hasConfirm != (c == reviewer) {
			t.Fatalf("form %v, confirm %v", hasForm, hasConfirm)
		}
	}
	// Forbidden: a member saves, the provider confirms, another organisation looks.
	if w := e.page("POST", page, member, web.LangZH, url.Values{"base_url": {"https://evil.example"}}); w.Code != 403 {
		t.Fatalf("member saves: %d", w.Code)
	}
	if w := e.page("POST", page+"/confirm", editor, web.LangZH, nil); w.Code != 403 {
		t.Fatalf("provider confirms: %d", w.Code)
	}
	if w := e.page("GET", page, other, web.LangZH, nil); w.Code != 404 {
		t.Fatalf("other organisation: %d", w.Code)
	}
	// The authority confirms.
	if w := e.page("POST", page+"/confirm", reviewer, web.LangZH, nil); w.Code != http.StatusSeeOther {
		t.Fatalf("confirm: %d", w.Code)
	}
	w = e.page("GET", page+"?confirmed=1", reviewer, web.LangZH, nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "已确认") || strings.Contains(w.Body.String(), "/endpoint/confirm") || !strings.Contains(w.Body.String(), "action=service.call") {
		t.Fatalf("confirmed: %d", w.Code)
	}
	checkPage(t, w.Body.String(), web.LangZH)
	// Not a service interface.
	table := e.createEntry(pbEditor, entryBody("表", pubdata.ClassUnconditional, pubdata.ClassNone))
	if w := e.page("GET", "/console/entries/"+table.ID+"/endpoint", editor, web.LangZH, nil); w.Code != 400 {
		t.Fatalf("table entry: %d", w.Code)
	}
	if w := e.page("GET", "/console/entries/"+table.ID, editor, web.LangZH, nil); strings.Contains(w.Body.String(), "/endpoint") {
		t.Fatal("a table entry links to a service interface page")
	}
}
