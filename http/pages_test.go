package http

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/locale"
)

// page requests a page as a browser would: with the session cookie of as (if any) and
// the language cookie.
func (e *env) page(method, path string, as *http.Cookie, lang string, form url.Values) *httptest.ResponseRecorder {
	e.t.Helper()
	r := req{method: method, path: path, header: http.Header{}}
	if form != nil {
		r.body = form
	}
	if as != nil {
		r.cookies = append(r.cookies, as)
	}
	if lang != "" {
		r.cookies = append(r.cookies, &http.Cookie{Name: web.LanguageCookie, Value: lang})
	}
	if method == "POST" {
		r.header.Set("Sec-Fetch-Site", "same-origin")
	}
	return e.do(r)
}

var (
	idAttr         = regexp.MustCompile(`\sid="([^"]+)"`)
	labelFor       = regexp.MustCompile(`<label for="([^"]+)"`)
	controlID      = regexp.MustCompile(`<(?:input|select|textarea)\b[^>]*?\sid="([^"]+)"`)
	describedBy    = regexp.MustCompile(`aria-describedby="([^"]+)"`)
	controlNoID    = regexp.MustCompile(`<(?:input|select|textarea)\b[^>]*>`)
	htmlLangAttr   = regexp.MustCompile(`<html lang="([^"]+)">`)
	switchTo       = regexp.MustCompile(`href="[^"]*[?&]lang=en[&"]`)
	thWithoutScope = regexp.MustCompile(`<th>|<th\s+(?:[^s>][^>]*)?>`)
)

// checkPage checks what every page must be: translated, one h1, labelled controls,
// descriptions that exist, a skip link and a language switch.
func checkPage(t *testing.T, body, lang string) {
	t.Helper()
	if strings.Contains(body, web.MissingMarker) {
		i := strings.Index(body, web.MissingMarker)
		t.Errorf("untranslated text: %s", body[i:min(len(body), i+60)])
	}
	if m := htmlLangAttr.FindStringSubmatch(body); m == nil || m[1] != web.HtmlLang(lang) {
		t.Errorf("<html lang> = %v, want %s", m, web.HtmlLang(lang))
	}
	if n := strings.Count(body, "<h1"); n != 1 {
		t.Errorf("%d <h1> elements, want 1", n)
	}
	if !strings.Contains(body, `class="skip-link" href="#main"`) || !strings.Contains(body, `id="main"`) {
		t.Errorf("no skip link to #main")
	}
	if lang == web.LangZH && !switchTo.MatchString(strings.ReplaceAll(body, "&amp;", "&")) {
		t.Errorf("no switch to English")
	}
	if lang == web.LangEN && !strings.Contains(body, `lang=zh-CN`) {
		t.Errorf("no switch to Chinese")
	}
	ids := map[string]bool{}
	for _, m := range idAttr.FindAllStringSubmatch(body, -1) {
		if ids[m[1]] {
			t.Errorf("duplicate id %q", m[1])
		}
		ids[m[1]] = true
	}
	labels := map[string]bool{}
	for _, m := range labelFor.FindAllStringSubmatch(body, -1) {
		labels[m[1]] = true
	}
	for _, m := range controlID.FindAllStringSubmatch(body, -1) {
		if !labels[m[1]] {
			t.Errorf("control #%s has no <label for>", m[1])
		}
	}
	for _, c := range controlNoID.FindAllString(body, -1) {
		if !strings.Contains(c, ` id="`) && !strings.Contains(c, `type="hidden"`) {
			t.Errorf("control without id (and so without label): %s", c)
		}
	}
	for _, m := range describedBy.FindAllStringSubmatch(body, -1) {
		for _, id := range strings.Fields(m[1]) {
			if !ids[id] {
				t.Errorf("aria-describedby names missing #%s", id)
			}
		}
	}
	if thWithoutScope.MatchString(body) {
		t.Errorf("<th> without scope")
	}
	if strings.Contains(body, "<nav") && strings.Contains(body, "<nav>") {
		t.Errorf("<nav> without aria-label")
	}
}

// TestEveryPageTranslated renders every page, in each state that shows different text, in
// both languages, and checks it.
func TestEveryPageTranslated(t *testing.T) {
	e := newEnv(t)
	admin := e.login(authAdmin)
	member := e.login(pbMember)
	public := e.login(citizen)
	// Some content for the lists.
	e.do(req{method: "POST", path: "/api/v1/tokens", as: authAdmin, body: map[string]string{"name": "to be revoked"}})
	toks, _ := e.srv.Tokens.FindTokens(system, e.users[authAdmin].ID)
	for _, tok := range toks {
		if tok.Name == "to be revoked" {
			e.srv.Tokens.RevokeToken(system, e.users[authAdmin].ID, tok.ID)
		}
	}
	_, _, _ = e.srv.Tokens.CreateToken(system, e.users[authAdmin].ID, "short-lived", time.Minute)
	e.do(req{path: "/api/v1/me", as: authAdmin}) // marks the fixture token used

	cf := newCatalogFixture(e)
	editor, reviewer := e.login(pbEditor), e.login(authReviewer)
	badEntry := url.Values{"title": {""}, "category": {"9"}, "format": {"x"}, "update_cycle": {"x"}, "share_class": {"conditional"},
		"open_class": {"none"}, "division": {"999999"}, "code": {"bad"}, "related": {"nope"}, "rows": {"2"},
		"items[0].name": {"Bad"}, "items[0].type": {"blob"}, "items[0].length": {"x"}, "items[0].grade": {"9"}, "items[1].type": {"string"}}
	// Sources of data elements with a published and an unpublished source entry (uscc's
	// source, fz-scj, is set by the fixture).
	for el, entry := range map[string]string{"resident_id": cf.published, "name": cf.draft} {
		if _, err := e.srv.Elements.SetElementSource(e.as(authAdmin), el, "fj-gat", entry); err != nil {
			t.Fatal(err)
		}
	}

	type scenario struct {
		name   string
		method string
		path   string
		as     *http.Cookie
		form   url.Values
		status int
	}
	scenarios := []scenario{
		{"portal anonymous", "GET", "/", nil, nil, 200},
		{"portal signed in", "GET", "/", admin, nil, 200},
		{"login", "GET", "/login", nil, nil, 200},
		{"login failed", "POST", "/console/login", nil, url.Values{"username": {authEditor}, "password": {"wrong"}}, 401},
		{"login empty", "POST", "/console/login", nil, url.Values{}, 401},
		{"dashboard admin", "GET", "/console", admin, nil, 200},
		{"dashboard public user", "GET", "/console", public, nil, 200},
		{"orgs admin", "GET", "/console/orgs", admin, nil, 200},
		{"orgs filtered empty", "GET", "/console/orgs?q=nothing&kind=company", admin, nil, 200},
		{"orgs member", "GET", "/console/orgs", member, nil, 200},
		{"orgs created", "GET", "/console/orgs?created=fj-gat", admin, nil, 200},
		{"org form errors", "POST", "/console/orgs", admin, url.Values{"code": {"bad code!"}, "name": {""}, "kind": {"x"}, "division": {"999999"}, "parent": {"bad code!"}}, 400},
		{"org form conflict", "POST", "/console/orgs", admin, url.Values{"code": {"fj-gat"}, "name": {"x"}, "kind": {"public_body"}, "division": {"350000"}}, 400},
		{"users admin", "GET", "/console/users", admin, nil, 200},
		{"users public", "GET", "/console/users?public=true", admin, nil, 200},
		{"users empty", "GET", "/console/users?org=xm-scj&cursor=7a7a7a", admin, nil, 200},
		{"user form errors", "POST", "/console/users", admin, url.Values{"username": {"!"}, "password": {"short"}, "org": {"fj-gat"}, "role": {"boss"}}, 400},
		{"user form conflict", "POST", "/console/users", admin, url.Values{"username": {pbMember}, "password": {"long-enough-pw"}, "org": {"fj-gat"}, "role": {"member"}}, 400},
		{"users forbidden", "GET", "/console/users", member, nil, 403},
		{"account", "GET", "/console/account", admin, nil, 200},
		{"account public user", "GET", "/console/account", public, nil, 200},
		{"account revoked", "GET", "/console/account?revoked=1", admin, nil, 200},
		{"token form errors", "POST", "/console/account/tokens", admin, url.Values{"name": {""}, "expires": {"9999"}}, 400},
		{"token created", "POST", "/console/account/tokens", admin, url.Values{"name": {"脚本"}, "expires": {"30"}}, 201},
		{"audit", "GET", "/console/audit", admin, nil, 200},
		{"audit paged", "GET", "/console/audit?limit=2", admin, nil, 200},
		{"audit filtered", "GET", "/console/audit?action=none", admin, nil, 200},
		{"audit forbidden", "GET", "/console/audit", member, nil, 403},
		{"not found", "GET", "/nothing/here", nil, nil, 404},
		{"not found signed in", "GET", "/console/nothing", admin, nil, 404},
		{"bad request", "GET", "/console/orgs?limit=abc", admin, nil, 400},
		// The catalogue pages (console_entries.go, portal_catalog.go).
		{"entries", "GET", "/console/entries", editor, nil, 200},
		{"entries filtered empty", "GET", "/console/entries?status=retired&q=nothing", editor, nil, 200},
		{"entries member", "GET", "/console/entries", member, nil, 200},
		{"entries retired notice", "GET", "/console/entries?retired=x", editor, nil, 200},
		{"entries public user", "GET", "/console/entries", public, nil, 403},
		{"entry new", "GET", "/console/entries/new", editor, nil, 200},
		{"entry new forbidden", "GET", "/console/entries/new", member, nil, 403},
		{"entry form errors", "POST", "/console/entries/new", editor, badEntry, 400},
		{"entry form add rows", "POST", "/console/entries/new", editor, url.Values{"action": {"add_rows"}, "rows": {"1"}, "title": {"x"}}, 200},
		{"entry edit draft", "GET", "/console/entries/" + cf.draft + "/edit", editor, nil, 200},
		{"entry edit published", "GET", "/console/entries/" + cf.published + "/edit", editor, nil, 200},
		{"entry edit submitted", "GET", "/console/entries/" + cf.submitted + "/edit", editor, nil, 409},
		{"entry draft", "GET", "/console/entries/" + cf.draft + "?saved=1", editor, nil, 200},
		{"entry submitted", "GET", "/console/entries/" + cf.submitted + "?submitted=1", editor, nil, 200},
		{"entry submitted reviewer", "GET", "/console/entries/" + cf.submitted, reviewer, nil, 200},
		{"entry review errors", "POST", "/console/entries/" + cf.submitted + "/review", reviewer, url.Values{"decision": {"reject"}}, 400},
		{"entry review no decision", "POST", "/console/entries/" + cf.submitted + "/review", reviewer, url.Values{}, 400},
		{"entry published", "GET", "/console/entries/" + cf.published, editor, nil, 200},
		{"entry retire errors", "POST", "/console/entries/" + cf.published + "/retire", editor, url.Values{"reason": {""}}, 400},
		{"entry rejected", "GET", "/console/entries/" + cf.rejected, editor, nil, 200},
		{"entry retired", "GET", "/console/entries/" + cf.retired, editor, nil, 200},
		{"entry other org", "GET", "/console/entries/" + cf.draft, e.login("xm-scj-member"), nil, 404}, // as if it did not exist
		{"entry versions", "GET", "/console/entries/" + cf.published + "/versions", editor, nil, 200},
		{"entry versions same", "GET", "/console/entries/" + cf.published + "/versions?from=2&to=2", editor, nil, 200},
		{"entry versions one", "GET", "/console/entries/" + cf.negative + "/versions", editor, nil, 200},
		{"entry versions none", "GET", "/console/entries/" + cf.draft + "/versions", editor, nil, 200},
		{"review", "GET", "/console/review?approve=x", reviewer, nil, 200},
		{"review rejected notice", "GET", "/console/review?reject=x", reviewer, nil, 200},
		{"review empty", "GET", "/console/review", e.login(cityAdmin), nil, 200},
		{"review forbidden", "GET", "/console/review", member, nil, 403},
		{"console lists", "GET", "/console/lists", member, nil, 200},
		{"elements", "GET", "/console/elements", editor, nil, 200},
		{"elements other org", "GET", "/console/elements", e.login("xm-scj-member"), nil, 200},
		{"elements admin saved", "GET", "/console/elements?saved=uscc", admin, nil, 200},
		{"elements admin cleared", "GET", "/console/elements?cleared=mobile", admin, nil, 200},
		{"elements city admin", "GET", "/console/elements", e.login(cityAdmin), nil, 200},
		{"elements org errors", "POST", "/console/elements/uscc", admin, url.Values{"org": {"nope"}, "entry": {"x"}}, 400},
		{"elements city authority", "POST", "/console/elements/uscc", e.login(cityAdmin), url.Values{"org": {"xm-scj"}}, 403},
		{"elements org for entry", "POST", "/console/elements/uscc", admin, url.Values{"org": {""}, "entry": {"301001/00001"}}, 400},
		{"elements entry errors", "POST", "/console/elements/mobile", admin, url.Values{"org": {"fz-scj"}, "entry": {"301001/99999"}}, 400},
		{"elements entry id errors", "POST", "/console/elements/mobile", admin, url.Values{"org": {"fz-scj"}, "entry": {cf.draft}}, 400},
		{"elements unknown", "POST", "/console/elements/nope", admin, url.Values{"org": {""}}, 404},
		{"elements forbidden", "POST", "/console/elements/uscc", editor, url.Values{"org": {""}}, 403},
		{"elements public user", "GET", "/console/elements", public, nil, 403},
		{"catalog anonymous", "GET", "/catalog", nil, nil, 200},
		{"catalog signed in", "GET", "/catalog", admin, nil, 200},
		{"catalog search", "GET", "/catalog?q=%E8%BA%AB%E4%BB%BD&share_class=unconditional&org=fj-gat&keyword=%E6%B5%8B%E8%AF%95&supplementary=false", admin, nil, 200},
		{"catalog empty", "GET", "/catalog?q=zzzz&format=service", nil, nil, 200},
		{"catalog paged", "GET", "/catalog?page=2", admin, nil, 200},
		{"catalog bad page", "GET", "/catalog?page=x", nil, nil, 400},
		{"catalog text too long", "GET", "/catalog?q=" + strings.Repeat("x", 201), nil, nil, 400},
		{"catalog entry", "GET", "/catalog/" + cf.published, nil, nil, 200},
		{"catalog entry provider", "GET", "/catalog/" + cf.negative, editor, nil, 200},
		{"catalog entry hidden", "GET", "/catalog/" + cf.negative, nil, nil, 404},
		{"catalog entry unknown", "GET", "/catalog/nothing", nil, nil, 404},
		{"lists", "GET", "/lists", nil, nil, 200},
		{"lists share", "GET", "/lists/share", nil, nil, 200},
		{"lists share public body", "GET", "/lists/share", member, nil, 200},
		{"lists open", "GET", "/lists/open", nil, nil, 200},
		{"lists negative", "GET", "/lists/negative", nil, nil, 200},
		{"lists responsibility", "GET", "/lists/responsibility", nil, nil, 200},
		{"lists demand", "GET", "/lists/demand", nil, nil, 200},
		{"lists unknown", "GET", "/lists/nothing", nil, nil, 404},
	}
	for _, lang := range web.Languages {
		for _, sc := range scenarios {
			t.Run(lang+"/"+sc.name, func(t *testing.T) {
				w := e.page(sc.method, sc.path, sc.as, lang, sc.form)
				if w.Code != sc.status {
					t.Fatalf("status %d, want %d: %s", w.Code, sc.status, w.Body)
				}
				if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Fatalf("Content-Type %q", ct)
				}
				checkPage(t, w.Body.String(), lang)
			})
		}
	}
}

// TestMessageCatalog fails when a template or handler names a key missing from a language
// file, or a key of the files is never used (package locale checks that the files agree).
func TestMessageCatalog(t *testing.T) {
	messages := map[string]bool{}
	for _, k := range locale.Keys(web.LangZH) {
		messages[k] = true
	}
	// Every key the templates and handlers name is in the catalog.
	used := map[string]bool{}
	tcall := regexp.MustCompile(`\bt "([^"]+)"`)
	tfamily := regexp.MustCompile(`\bt \(printf "([a-z_.]+\.)%s"`)
	var files []string
	filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".html") {
			files = append(files, p)
		}
		return err
	})
	if len(files) < 40 {
		t.Fatalf("found only %d templates: the scan is broken", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tcall.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
		// A family of keys by value, t (printf "sanctions.status.%s" .Status): every key of
		// the family counts as used.
		for _, m := range tfamily.FindAllStringSubmatch(string(b), -1) {
			for k := range messages {
				if strings.HasPrefix(k, m[1]) {
					used[k] = true
				}
			}
		}
	}
	gocall := regexp.MustCompile(`(?:[Tt]ranslate\([^,]+, |Key(?:, v\.TextKey)? = |Key: )"([a-z_.]*[a-z_])"(?:, "([a-z_.]+)")?`)
	fieldKey := regexp.MustCompile(`"[a-z_]+":\s+"((?:orgs|sources)\.error\.[a-z_]+)"`)
	gofiles, _ := filepath.Glob("*/*.go")
	if len(gofiles) < 40 {
		t.Fatalf("found only %d Go files of the web packages: the scan is broken", len(gofiles))
	}
	for _, f := range gofiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(f)
		for _, m := range fieldKey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
		for _, m := range gocall.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
			if m[2] != "" {
				used[m[2]] = true
			}
		}
	}
	// The notification keys of the domain (const NoticeX = "key"): their messages are
	// "notice." + key.
	notice := regexp.MustCompile(`\bNotice[A-Za-z]+\s*=\s*"([a-z_.]+)"`)
	domain, _ := filepath.Glob("../*.go")
	notices := 0
	for _, f := range domain {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(f)
		for _, m := range notice.FindAllStringSubmatch(string(b), -1) {
			used[locale.NoticePrefix+m[1]] = true
			notices++
		}
	}
	if notices < 10 {
		t.Fatalf("found only %d notification keys: the scan is broken", notices)
	}
	// The messages of other packages: batch reports (datafile, sqlstore) and identifier
	// problems (ident), named by literal keys or by a family ("row.type." + the type).
	// (sqlstore's other dotted strings are audit actions: only row.* and batch.* there.)
	literal := regexp.MustCompile(`"((?:row|ident|element)\.[a-z_.]*[a-z_])"`)
	family := regexp.MustCompile(`"((?:row|ident|element)\.(?:[a-z_.]*\.)?)" ?\+`)
	others := 0
	for _, dir := range []string{"../lib/datafile", "../lib/ident", "../sqlstore"} {
		if dir == "../sqlstore" {
			literal = regexp.MustCompile(`"((?:row|batch)\.[a-z_.]*[a-z_])"`)
		}
		files, _ := filepath.Glob(dir + "/*.go")
		if len(files) == 0 {
			t.Fatalf("no Go files in %s: the scan would miss its keys", dir)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, _ := os.ReadFile(f)
			for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
				used[m[1]] = true
				others++
			}
			for _, m := range family.FindAllStringSubmatch(string(b), -1) {
				for k := range messages {
					if strings.HasPrefix(k, m[1]) {
						used[k] = true
					}
				}
			}
		}
	}
	// The keys of domain errors, named beside their English sentence: Errorf(…).Keyed("key", …),
	// in the domain, the stores, the libraries and here; their arguments' messages
	// (NewMessage("key")) and any literal "error.…" key (a label passed to a helper) or
	// "verify.reason.…" key (a verification's reason, lib/extract and web).
	keyed := regexp.MustCompile(`(?:\.\s*Keyed|NewMessage)\(\s*"([a-z_.]*[a-z_])"|"((?:error|verify\.reason)\.[a-z_.]*[a-z_])"`)
	keyedFamily := regexp.MustCompile(`\.\s*Keyed\(\s*"([a-z_.]*\.)"\s*\+`)
	keys := 0
	for _, dir := range []string{"..", "../sqlstore", "../lib/workday", "../lib/division", "../access", "../lib/pull", "../lib/datafile", "../lib/entryfile", "../lib/audit", "../lib/extract", ".", "web", "api", "ckan", "console", "portal"} {
		files, _ := filepath.Glob(dir + "/*.go")
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, _ := os.ReadFile(f)
			for _, m := range keyed.FindAllStringSubmatch(string(b), -1) {
				used[m[1]+m[2]] = true
				keys++
			}
			for _, m := range keyedFamily.FindAllStringSubmatch(string(b), -1) {
				for k := range messages {
					if strings.HasPrefix(k, m[1]) {
						used[k] = true
					}
				}
			}
		}
	}
	if keys < 1 {
		t.Fatalf("found only %d keys of domain errors: the scan is broken", keys)
	}
	if others < 40 {
		t.Fatalf("found only %d keys in datafile, ident and sqlstore: the scan is broken", others)
	}
	for _, k := range []pubdata.OrgKind{pubdata.KindAuthority, pubdata.KindPublicBody, pubdata.KindCompany} {
		used["kind."+string(k)] = true
	}
	for _, r := range pubdata.Roles {
		used["role."+string(r)] = true
	}
	// The class labels the shipped profiles name (profiles/*.toml) and who answers.
	for _, name := range pubdata.ProfileNames() {
		p, err := pubdata.LookupProfile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range p.LabelKeys() {
			used[k] = true
		}
	}
	for _, who := range []string{pubdata.AnswererProvider, pubdata.AnswererAuthority} {
		used["profile.answerer."+who] = true
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys in use: the scan is broken", len(used))
	}
	for k := range used {
		for _, lang := range web.Languages {
			if !locale.Has(lang, k) {
				t.Errorf("key %q is used but not in %s.toml", k, lang)
			}
		}
	}
	for k := range messages {
		if !used[k] {
			t.Errorf("key %q is in the catalog but never used", k)
		}
	}
	if got := web.Translate(web.LangEN, "no.such.key"); !strings.HasPrefix(got, web.MissingMarker) {
		t.Errorf("a missing key renders as %q, without the marker", got)
	}
}

func TestLanguage(t *testing.T) {
	e := newEnv(t)
	lang := func(w *httptest.ResponseRecorder) string {
		m := htmlLangAttr.FindStringSubmatch(w.Body.String())
		if m == nil {
			t.Fatalf("no <html lang>: %s", w.Body)
		}
		return m[1]
	}
	get := func(path string, h http.Header, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		return e.do(req{path: path, header: h, cookies: cookies})
	}
	if l := lang(get("/", nil)); l != "zh-CN" {
		t.Errorf("default: %s", l)
	}
	for header, want := range map[string]string{
		"en-US,en;q=0.9":             "en",
		"en":                         "en",
		"zh-CN,zh;q=0.9,en;q=0.8":    "zh-CN",
		"zh-TW":                      "zh-CN",
		"fr-FR,de;q=0.8":             "zh-CN",
		"fr-FR,en;q=0.5":             "en",
		"de;q=0.9,zh;q=0.2,en;q=0.8": "en",
		"":                           "zh-CN",
	} {
		if l := lang(get("/login", http.Header{"Accept-Language": {header}})); l != want {
			t.Errorf("Accept-Language %q: %s, want %s", header, l, want)
		}
	}
	w := get("/login?lang=en&next=%2Fconsole%2Forgs", nil)
	if l := lang(w); l != "en" {
		t.Fatalf("?lang=en: %s", l)
	}
	c := cookieNamed(w, web.LanguageCookie)
	if c == nil || c.Value != "en" || c.MaxAge < 364*24*3600 || c.Path != "/" {
		t.Fatalf("?lang=en sets cookie %+v", c)
	}
	body := w.Body.String()
	if !strings.Contains(body, `href="/login?lang=zh-CN&amp;next=%2Fconsole%2Forgs"`) {
		t.Errorf("the switch to Chinese does not keep the path and parameters: %s", body)
	}
	if !strings.Contains(body, "Sign in") || strings.Contains(body, "登录管理") {
		t.Errorf("English page is not in English")
	}
	// The cookie is remembered, over Accept-Language; a parameter overrides it.
	if l := lang(get("/", http.Header{"Accept-Language": {"zh-CN"}}, c)); l != "en" {
		t.Errorf("cookie en: %s", l)
	}
	w = get("/?lang=zh-CN", nil, c)
	if l := lang(w); l != "zh-CN" {
		t.Errorf("?lang=zh-CN with cookie en: %s", l)
	}
	if c2 := cookieNamed(w, web.LanguageCookie); c2 == nil || c2.Value != "zh-CN" {
		t.Errorf("?lang=zh-CN does not set the cookie")
	}
	if !strings.Contains(w.Body.String(), "公共数据开放平台") {
		t.Errorf("Chinese portal lacks its heading")
	}
	// An unknown language is ignored.
	if l := lang(get("/?lang=fr", nil)); l != "zh-CN" {
		t.Errorf("?lang=fr: %s", l)
	}
}

func TestLoginPage(t *testing.T) {
	e := newEnv(t)
	// Anonymous visitors to the console are sent to the login form and back.
	w := e.page("GET", "/console/orgs?q=gat", nil, "", nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?next=%2Fconsole%2Forgs%3Fq%3Dgat" {
		t.Fatalf("anonymous console: %d %v", w.Code, w.Header())
	}
	for path, want := range map[string]string{
		"/console/orgs":           "/login?next=%2Fconsole%2Forgs",
		"/console/account/tokens": "/login",
	} {
		w := e.page("POST", path, nil, "", url.Values{"name": {"x"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != want {
			t.Errorf("anonymous POST %s: %d %q, want %q", path, w.Code, w.Header().Get("Location"), want)
		}
	}
	w = e.page("GET", "/login?next=%2Fconsole%2Forgs%3Fq%3Dgat", nil, "", nil)
	if !strings.Contains(w.Body.String(), `name="next" value="/console/orgs?q=gat"`) {
		t.Fatalf("login form does not carry next: %s", w.Body)
	}
	for next, want := range map[string]string{
		"/console/orgs?q=gat":     "/console/orgs?q=gat",
		"":                        "/console",
		"//evil.example/x":        "/console",
		"https://evil.example/":   "/console",
		"/\\evil.example":         "/console",
		"javascript:alert(1)":     "/console",
		"/console/audit?limit=10": "/console/audit?limit=10",
	} {
		w := e.page("POST", "/console/login", nil, "", url.Values{"username": {authAdmin}, "password": {password(authAdmin)}, "next": {next}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != want {
			t.Errorf("next %q: %d → %q, want %q", next, w.Code, w.Header().Get("Location"), want)
		}
		c := cookieNamed(w, web.SessionCookie)
		if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
			t.Fatalf("login sets cookie %+v", c)
		}
	}

	// Five failures from one address stop that address trying the account: the next try,
	// even right, says so (the owner elsewhere is not stopped: TestLogin in api_test.go).
	for i := 0; i < pubdata.MaxFailedLogins-1; i++ {
		w := e.page("POST", "/console/login", nil, "", url.Values{"username": {pbReviewer}, "password": {"wrong-password"}})
		if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "用户名或密码错误") {
			t.Fatalf("failure %d: %d %s", i+1, w.Code, w.Body)
		}
		if !strings.Contains(w.Body.String(), `value="`+pbReviewer+`"`) || !strings.Contains(w.Body.String(), `role="alert"`) {
			t.Fatalf("failed form does not keep the username or alert")
		}
	}
	e.page("POST", "/console/login", nil, "", url.Values{"username": {pbReviewer}, "password": {"wrong-password"}})
	for _, pw := range []string{"wrong-password", password(pbReviewer)} {
		w = e.page("POST", "/console/login", nil, "", url.Values{"username": {pbReviewer}, "password": {pw}})
		if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "登录失败次数过多") {
			t.Fatalf("throttled: %d %s", w.Code, w.Body)
		}
	}
	w = e.page("POST", "/console/login", nil, web.LangEN, url.Values{"username": {pbReviewer}, "password": {password(pbReviewer)}})
	if !strings.Contains(w.Body.String(), "Too many failed sign-ins from your address") {
		t.Fatalf("throttled (en): %s", w.Body)
	}
	e.advance(pubdata.LockoutDuration + time.Minute)
	w = e.page("POST", "/console/login", nil, "", url.Values{"username": {pbReviewer}, "password": {password(pbReviewer)}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("after the throttle's window: %d %s", w.Code, w.Body)
	}

	// Signing out ends the session.
	c := cookieNamed(w, web.SessionCookie)
	if w := e.page("GET", "/console", c, "", nil); w.Code != 200 || !strings.Contains(w.Body.String(), pbReviewer) {
		t.Fatalf("dashboard: %d", w.Code)
	}
	if w := e.page("GET", "/login", c, "", nil); w.Code != http.StatusSeeOther {
		t.Errorf("login page when signed in: %d", w.Code)
	}
	w = e.page("POST", "/console/logout", c, "", nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
		t.Fatalf("logout: %d %v", w.Code, w.Header())
	}
	if w := e.page("GET", "/console", c, "", nil); w.Code != http.StatusSeeOther {
		t.Errorf("dashboard after logout: %d", w.Code)
	}
}

func TestConsoleForms(t *testing.T) {
	e := newEnv(t)
	admin := e.login(authAdmin)
	city := e.login(cityAdmin)
	member := e.login(pbMember)
	pb := e.login(pbAdmin)

	// Organisations: create, see the notice and the new row.
	w := e.page("POST", "/console/orgs", admin, "", url.Values{"code": {"fj-wjw"}, "name": {"福建省卫生健康委员会"}, "kind": {"public_body"}, "division": {"350000"}, "parent": {""}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/console/orgs?created=fj-wjw" {
		t.Fatalf("create org: %d %v %s", w.Code, w.Header(), w.Body)
	}
	w = e.page("GET", "/console/orgs?created=fj-wjw", admin, "", nil)
	if !strings.Contains(w.Body.String(), "已新增组织机构 fj-wjw") || !strings.Contains(w.Body.String(), "福建省卫生健康委员会") {
		t.Errorf("org list after create: %s", w.Body)
	}
	// Problems are shown next to their fields, and the values kept.
	w = e.page("POST", "/console/orgs", admin, "", url.Values{"code": {""}, "name": {"保留的名称"}, "kind": {"public_body"}, "division": {"350000"}})
	body := w.Body.String()
	if w.Code != 400 || !strings.Contains(body, `aria-describedby="org-code-hint org-code-error" aria-invalid="true"`) ||
		!strings.Contains(body, `id="org-code-error" class="field-error">请填写组织代码。`) || !strings.Contains(body, `value="保留的名称"`) || !strings.Contains(body, `role="alert"`) {
		t.Errorf("org form errors: %d %s", w.Code, body)
	}
	w = e.page("POST", "/console/orgs", city, "", url.Values{"code": {"xm-x"}, "name": {"x"}, "kind": {"public_body"}, "division": {"350200"}})
	if w.Code != 400 || !strings.Contains(w.Body.String(), "不在本主管部门的辖区内") {
		t.Errorf("city admin outside its division: %d %s", w.Code, w.Body)
	}
	w = e.page("POST", "/console/orgs", admin, web.LangEN, url.Values{"code": {"new-x"}, "name": {"x"}, "kind": {"public_body"}, "division": {"350000"}, "parent": {"nope"}})
	if w.Code != 400 || !strings.Contains(w.Body.String(), "Parent organisation &#34;nope&#34; does not exist.") {
		t.Errorf("unknown parent: %d %s", w.Code, w.Body)
	}
	// Only those allowed see the form or may post it.
	if w := e.page("GET", "/console/orgs", member, "", nil); w.Code != 200 || strings.Contains(w.Body.String(), `action="/console/orgs" class="form"`) {
		t.Errorf("member sees the create form")
	}
	if w := e.page("GET", "/console/orgs", admin, "", nil); !strings.Contains(w.Body.String(), `<form method="post" action="/console/orgs"`) {
		t.Errorf("admin does not see the create form")
	}
	if w := e.page("POST", "/console/orgs", member, "", url.Values{"code": {"m"}, "name": {"m"}, "kind": {"company"}, "division": {"350000"}}); w.Code != 403 || !strings.Contains(w.Body.String(), "无权访问") {
		t.Errorf("member posts an org: %d", w.Code)
	}

	// Users: an organisation's admin creates one in its own organisation.
	w = e.page("POST", "/console/users", pb, "", url.Values{"username": {"gat.new"}, "display_name": {"新警员"}, "password": {"long-enough-pw"}, "org": {"fj-gat"}, "role": {"editor"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("create user: %d %s", w.Code, w.Body)
	}
	w = e.page("GET", w.Header().Get("Location"), pb, "", nil)
	if !strings.Contains(w.Body.String(), "已新增用户 gat.new") || !strings.Contains(w.Body.String(), "新警员") {
		t.Errorf("user list after create: %s", w.Body)
	}
	w = e.page("POST", "/console/users", pb, "", url.Values{"username": {"gat.other"}, "password": {"long-enough-pw"}, "org": {"xm-scj"}, "role": {"editor"}})
	if w.Code != 400 || !strings.Contains(w.Body.String(), "您无权在该组织中新增用户") || !strings.Contains(w.Body.String(), `value="gat.other"`) {
		t.Errorf("user in another org: %d %s", w.Code, w.Body)
	}
	w = e.page("POST", "/console/users", admin, "", url.Values{"username": {"citizen2"}, "password": {"long-enough-pw"}, "org": {""}, "role": {"admin"}})
	if w.Code != http.StatusSeeOther {
		t.Errorf("public user by provincial admin: %d %s", w.Code, w.Body)
	}
	if u, err := e.srv.Users.FindUserByUsername(system, "citizen2"); err != nil || u.OrgCode != "" || u.Role != "" {
		t.Errorf("public user: %+v %v", u, err)
	}
	w = e.page("GET", "/console/users", pb, "", nil)
	if strings.Contains(w.Body.String(), "xm-scj-member") || !strings.Contains(w.Body.String(), pbEditor) {
		t.Errorf("org admin's user list")
	}

	// Account: a token's secret is shown once, then only its prefix.
	w = e.page("POST", "/console/account/tokens", member, "", url.Values{"name": {"同步脚本"}, "expires": {"30"}})
	if w.Code != http.StatusCreated {
		t.Fatalf("create token: %d %s", w.Code, w.Body)
	}
	m := regexp.MustCompile(`id="account-secret-value" class="secret-value" value="(pdt_[^"]+)" readonly`).FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("no secret on the page: %s", w.Body)
	}
	secret := m[1]
	e.tokens["page-token"] = secret
	if w := e.do(req{path: "/api/v1/me", as: "page-token"}); w.Code != 200 {
		t.Fatalf("the shown secret does not work: %d", w.Code)
	}
	w = e.page("GET", "/console/account", member, "", nil)
	if strings.Contains(w.Body.String(), secret) || !strings.Contains(w.Body.String(), "同步脚本") {
		t.Errorf("account page shows the secret again, or not the token")
	}
	var id string
	toks, _ := e.srv.Tokens.FindTokens(system, e.users[pbMember].ID)
	for _, tok := range toks {
		if tok.Name == "同步脚本" {
			id = tok.ID
		}
	}
	if !strings.Contains(w.Body.String(), "/console/account/tokens/"+id+"/revoke") {
		t.Fatalf("no revoke button for %s", id)
	}
	w = e.page("POST", "/console/account/tokens/"+id+"/revoke", member, "", nil)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("revoke: %d %s", w.Code, w.Body)
	}
	w = e.page("GET", w.Header().Get("Location"), member, web.LangEN, nil)
	if !strings.Contains(w.Body.String(), "The app key was revoked.") || !strings.Contains(w.Body.String(), "Revoked ") {
		t.Errorf("account after revoke: %s", w.Body)
	}
	if w := e.do(req{path: "/api/v1/me", as: "page-token"}); w.Code != 401 {
		t.Errorf("revoked token still works: %d", w.Code)
	}
	// Nobody revokes another's token through the page either.
	if w := e.page("POST", "/console/account/tokens/"+id+"/revoke", admin, "", nil); w.Code != 404 {
		t.Errorf("revoke another's token: %d", w.Code)
	}

	// Audit: the record, newest first, with filters.
	w = e.page("GET", "/console/audit?action=org.create", admin, "", nil)
	body = w.Body.String()
	if w.Code != 200 || !strings.Contains(body, "org:fj-wjw") || strings.Index(body, "org:fj-wjw") > strings.Index(body, "org:xm-scj") {
		t.Errorf("audit page: %d %s", w.Code, body)
	}
	w = e.page("GET", "/console/audit?limit=1", admin, "", nil)
	if !strings.Contains(w.Body.String(), "更早的记录") {
		t.Errorf("audit page has no link to older events")
	}
}

func TestAssets(t *testing.T) {
	e := newEnv(t)
	w := e.do(req{path: "/"})
	m := regexp.MustCompile(`href="(/assets/app\.[0-9a-f]{10}\.css)"`).FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("no hashed stylesheet in %s", w.Body)
	}
	w = e.do(req{path: m[1]})
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/css") || !strings.Contains(w.Header().Get("Cache-Control"), "immutable") || !strings.Contains(w.Body.String(), ":focus-visible") {
		t.Errorf("stylesheet: %d %v", w.Code, w.Header())
	}
	if w := e.do(req{path: "/assets/app.css"}); w.Code != 404 {
		t.Errorf("unhashed asset: %d", w.Code)
	}
	if w := e.do(req{path: "/"}); !strings.Contains(w.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("pages lack a CSP")
	}
}

func TestOpenAPI(t *testing.T) {
	e := newEnv(t)
	w := e.do(req{path: "/api/v1/openapi.json"})
	if w.Code != 200 {
		t.Fatalf("openapi: %d", w.Code)
	}
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	registered := map[string]bool{}
	for _, r := range e.srv.Routes {
		method, path, _ := strings.Cut(r, " ")
		if !web.IsAPI(httptest.NewRequest(method, path, nil)) {
			continue
		}
		registered[r] = true
		if !documented[r] {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for d := range documented {
		if !registered[d] {
			t.Errorf("openapi.json documents %s, which is not a route", d)
		}
	}
}
