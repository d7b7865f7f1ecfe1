package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
)

//go:embed html
var htmlFS embed.FS

// defineName finds the names of the templates a source defines.
var defineName = regexp.MustCompile(`\{\{-?\s*define\s+"([^"]+)"`)

// pageSet holds the parsed templates: one set per language (their t function differs), in
// it one template per page (the layout around the page's title and content).
type pageSet struct {
	byLang map[string]map[string]*template.Template
}

// Templates are an audience's page templates: html/<name>.html in FS, each defining "title"
// and "content" for web's html/layout.html, with web's html/partials/*.html at hand. Web's
// own html/*.html (besides the layout) are the pages every audience shows (errors, lists,
// objections); console and portal each embed their own folder. Page names are unique across
// audiences.
type Templates struct {
	Audience string
	FS       fs.FS
}

// sharedTemplates are web's own pages.
var sharedTemplates = Templates{Audience: "web", FS: htmlFS}

// DisplayZone is the time zone of times on pages (China Standard Time has no DST).
var DisplayZone = time.FixedZone("UTC+8", 8*3600)

func templateFuncs(lang string, assets *assetSet, labelKeys map[string]string) template.FuncMap {
	return template.FuncMap{
		"t": func(key string, args ...any) string {
			if k, ok := labelKeys[key]; ok { // the profile's class labels (profile.go)
				key = k
			}
			return Translate(lang, key, args...)
		},
		"asset": func(name string) (string, error) {
			u, ok := assets.url(name)
			if !ok {
				return "", fmt.Errorf("unknown asset %q", name)
			}
			return u, nil
		},
		"time": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				if v.IsZero() {
					return ""
				}
				return v.In(DisplayZone).Format("2006-01-02 15:04")
			case *time.Time:
				if v == nil || v.IsZero() {
					return ""
				}
				return v.In(DisplayZone).Format("2006-01-02 15:04")
			}
			return ""
		},
		"indicator": FormatIndicator,    // evaluation.go: an indicator or score, "–" when not measured
		"risk":      pubdata.FormatRisk, // a re-identification risk (trading.go)
		"rfc3339": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				return v.Format(time.RFC3339)
			case *time.Time:
				if v != nil {
					return v.Format(time.RFC3339)
				}
			}
			return ""
		},
	}
}

// parsePages parses the layout, the partials and every audience's page templates in each
// language; any error fails start-up.
func parsePages(assets *assetSet, labelKeys map[string]string, audiences []Templates) (*pageSet, error) {
	ps := &pageSet{byLang: map[string]map[string]*template.Template{}}
	type file struct {
		name string
		t    Templates
	}
	var files []file
	from := map[string]string{}
	for _, aud := range append([]Templates{sharedTemplates}, audiences...) {
		names, err := fs.Glob(aud.FS, "html/*.html")
		if err != nil {
			return nil, err
		}
		for _, f := range names {
			name := strings.TrimSuffix(path.Base(f), ".html")
			if aud.FS == htmlFS && name == "layout" {
				continue
			}
			if prev, ok := from[name]; ok {
				return nil, fmt.Errorf("http: templates: page %q is in both %s and %s", name, prev, aud.Audience)
			}
			from[name] = aud.Audience
			files = append(files, file{name, aud})
		}
	}
	// One set per language holds the partials once and, for each page, its own "title" and
	// "content" (renamed "<page>/title", "<page>/content") with a copy of the layout named
	// after the page that calls them. (A clone of layout and partials per page, as before,
	// made html/template copy their parse trees 200 times: 80 MB of live heap that every
	// garbage collection scanned.)
	layout, err := fs.ReadFile(htmlFS, "html/layout.html")
	if err != nil {
		return nil, err
	}
	// The layout's page, then the templates it defines for pages to use (parsed once).
	page, defs := string(layout), ""
	if i := strings.Index(page, "\n{{define "); i >= 0 {
		page, defs = page[:i+1], page[i+1:]
	}
	srcs := make([]string, len(files))
	for i, f := range files {
		b, err := fs.ReadFile(f.t.FS, "html/"+f.name+".html")
		if err != nil {
			return nil, err
		}
		src := string(b)
		for _, def := range []string{"title", "content"} {
			if !strings.Contains(src, `{{define "`+def+`"}}`) {
				return nil, fmt.Errorf("http: template %s/html/%s.html does not define %q", f.t.Audience, f.name, def)
			}
			src = strings.ReplaceAll(src, `{{define "`+def+`"}}`, `{{define "`+f.name+"/"+def+`"}}`)
		}
		wrapper := strings.NewReplacer(`{{template "title" .}}`, `{{template "`+f.name+`/title" .}}`,
			`{{template "content" .}}`, `{{template "`+f.name+`/content" .}}`).Replace(page)
		srcs[i] = `{{define "` + f.name + `"}}` + wrapper + `{{end}}` + src
	}
	for _, lang := range Languages {
		set, err := template.New("").Funcs(templateFuncs(lang, assets, labelKeys)).ParseFS(htmlFS, "html/partials/*.html")
		if err == nil {
			_, err = set.New("layout.html").Parse(defs)
		}
		if err != nil {
			return nil, fmt.Errorf("http: templates: %w", err)
		}
		ps.byLang[lang] = map[string]*template.Template{}
		for i, f := range files {
			// One set: a page may not define a template another page or a partial defines
			// (Parse would replace it silently).
			for _, m := range defineName.FindAllStringSubmatch(srcs[i], -1) {
				if set.Lookup(m[1]) != nil {
					return nil, fmt.Errorf("http: template %s/html/%s.html defines %q, which another page or a partial defines", f.t.Audience, f.name, m[1])
				}
			}
			if _, err := set.New("page:" + f.name).Parse(srcs[i]); err != nil {
				return nil, fmt.Errorf("http: templates of %s: %w", f.t.Audience, err)
			}
		}
		for _, f := range files {
			ps.byLang[lang][f.name] = set.Lookup(f.name)
		}
	}
	return ps, nil
}

// Page is the part of every page's view that the layout uses.
type Page struct {
	Lang      string // LangZH or LangEN
	HTMLLang  string // <html lang>
	Path      string
	ZHURL     string // this page in Chinese
	ENURL     string // this page in English
	Actor     *pubdata.Actor
	Nav       []navItem
	Console   bool // a console page: show the console navigation
	MayUsers  bool
	MayAudit  bool
	Status    int
	Flash     string // a translated notice, e.g. after a change
	UserLabel string // the signed-in user as shown in the header
	// LoginURL is the header's sign-in link: the sign-in page, coming back to this page.
	// HomeURL is where a signed-in person's own pages are: the console for government
	// users, the portal's account page for citizens and companies.
	LoginURL string
	HomeURL  string
	// CalendarEnding is the end of the covered holidays when an authority's admin should
	// import the next year (a banner on console pages); "" otherwise.
	CalendarEnding string
}

// navItem is one link of the console navigation.
type navItem struct {
	Key     string
	URL     string
	Current bool
	Count   int // shown beside the label when not zero (unread notifications)
}

// LoginURL is the sign-in page that comes back to next afterwards (the sign-in, registration
// and password pages and the home page come back to the person's own pages).
func LoginURL(next string) string {
	path, _, _ := strings.Cut(next, "?")
	switch {
	case path == "", path == "/", path == "/login", path == "/console/login", path == "/register", strings.HasPrefix(path, "/password-reset"):
		return "/login"
	}
	return WithQuery("/login", "next", next)
}

// HomeFor is where a signed-in person's own pages are: the console for the staff of public
// bodies and authorities, the portal's account page for citizens and companies.
func HomeFor(a *pubdata.Actor) string {
	if a.IsGovernment() {
		return "/console"
	}
	return "/account"
}

// Base returns the common part of a page's view for the request.
func (s *Server) Base(r *http.Request, console bool) Page {
	lang := LangFrom(r.Context())
	a := pubdata.ActorFromContext(r.Context())
	p := Page{
		Lang:     lang,
		HTMLLang: HtmlLang(lang),
		Path:     r.URL.Path,
		ZHURL:    langURL(r.URL, LangZH),
		ENURL:    langURL(r.URL, LangEN),
		Actor:    a,
		Console:  console,
		Status:   http.StatusOK,
	}
	p.LoginURL = LoginURL(r.URL.RequestURI())
	if !a.Anonymous() {
		p.HomeURL = HomeFor(a)
		p.UserLabel = a.User.Username
		if a.User.DisplayName != "" {
			p.UserLabel = a.User.DisplayName + " (" + a.User.Username + ")"
		}
		p.MayUsers = s.MayListUsers(a)
		p.MayAudit = pubdata.Can(a, pubdata.ActionAuditRead, nil)
		p.Nav = []navItem{{Key: "nav.dashboard", URL: "/console"}, {Key: "nav.orgs", URL: "/console/orgs"}}
		if p.MayUsers {
			p.Nav = append(p.Nav, navItem{Key: "nav.users", URL: "/console/users"})
		}
		if p.MayAudit {
			p.Nav = append(p.Nav, navItem{Key: "nav.audit", URL: "/console/audit"})
		}
		if pubdata.CanLookUpSubjects(a) {
			p.Nav = append(p.Nav, navItem{Key: "nav.subjects", URL: "/console/subjects"})
		}
		if s.Certificates != nil && pubdata.CanVerifyIdentities(a) { // holders.go: identities verified at a counter
			p.Nav = append(p.Nav, navItem{Key: "nav.identities", URL: "/console/identities"})
		}
		if pubdata.IsSanctioner(a) {
			p.Nav = append(p.Nav, navItem{Key: "nav.sanctions", URL: "/console/sanctions"})
		}
		if s.Fingerprints != nil && pubdata.IsSupervisor(a) { // trace.go: leak tracing
			p.Nav = append(p.Nav, navItem{Key: "nav.trace", URL: "/console/trace"})
		}
		if s.Applications != nil { // the share catalogue and applications pages
			p.Nav = append(p.Nav, navItem{Key: "nav.applications", URL: "/console/applications"}, navItem{Key: "nav.grants", URL: "/console/grants"})
		}
		if s.Objections != nil { // the objection pages
			p.Nav = append(p.Nav, navItem{Key: "nav.objections", URL: "/console/objections"})
		}
		if s.Tickets != nil { // the problem tickets (tickets.go)
			p.Nav = append(p.Nav, navItem{Key: "nav.tickets", URL: "/console/tickets"})
		}
		if s.Compliance != nil { // compliance.go: findings for the authority, orders for both
			if pubdata.IsSupervisor(a) {
				p.Nav = append(p.Nav, navItem{Key: "nav.compliance", URL: "/console/compliance"})
			}
			if _, ok := pubdata.RectificationScope(a); ok && a.IsGovernment() {
				p.Nav = append(p.Nav, navItem{Key: "nav.rectifications", URL: "/console/rectifications"})
			}
		}
		if _, ok := pubdata.MonitorScopeFor(a); ok && s.Monitor != nil && a.IsGovernment() { // monitor.go: the board
			p.Nav = append(p.Nav, navItem{Key: "nav.monitoring", URL: "/console/monitoring"})
		}
		if _, _, err := securityReach(a); err == nil && s.Security != nil && a.IsGovernment() { // security.go: alerts and incidents
			p.Nav = append(p.Nav, navItem{Key: "nav.alerts", URL: "/console/alerts"}, navItem{Key: "nav.incidents", URL: "/console/incidents"})
		}
		if _, ok := s.Applications.(pubdata.AggregationService); ok && pubdata.CanSeeAggregations(a) { // aggregation.go: combinations to review
			p.Nav = append(p.Nav, navItem{Key: "nav.aggregations", URL: "/console/aggregations"})
		}
		if s.Discoveries != nil && pubdata.IsSupervisor(a) { // discoveries.go: findings across units
			p.Nav = append(p.Nav, navItem{Key: "nav.discoveries", URL: "/console/discoveries"})
		}
		if s.Systems != nil && a.IsGovernment() { // systems.go: the unit's register, the authority's board
			p.Nav = append(p.Nav, navItem{Key: "nav.systems", URL: "/console/systems"})
		}
		if s.Evaluations != nil && pubdata.CanSeeEvaluationDrafts(a) { // evaluation.go: compute, preview, publish
			p.Nav = append(p.Nav, navItem{Key: "nav.evaluation", URL: "/console/evaluation"})
		}
		if s.Demands != nil { // demands.go, feedback.go
			p.Nav = append(p.Nav, navItem{Key: "nav.demands", URL: "/console/demands"})
		}
		if s.Feedback != nil && pubdata.IsModerator(a) {
			p.Nav = append(p.Nav, navItem{Key: "nav.comments", URL: "/console/comments"})
		}
		if s.Calendars != nil && a.IsAuthority() {
			p.Nav = append(p.Nav, navItem{Key: "nav.calendar", URL: "/console/calendar"})
		}
		if s.Licenses != nil && a.IsAuthority() {
			p.Nav = append(p.Nav, navItem{Key: "nav.licenses", URL: "/console/licenses"})
		}
		if s.Backups != nil && pubdata.CanSeeBackups(a) {
			p.Nav = append(p.Nav, navItem{Key: "nav.backups", URL: "/console/backups"})
		}
		if a.IsAuthority() { // the regional rules (profile.go)
			p.Nav = append(p.Nav, navItem{Key: "nav.profile", URL: "/console/profile"})
		}
		if s.DevSpaces != nil && a.IsGovernment() { // devspaces.go: spaces to decide, to approve data for, to run
			p.Nav = append(p.Nav, navItem{Key: "nav.devspaces", URL: "/console/devspaces"})
		}
		if s.Trade != nil { // trading.go: listings, registration, contracts, model contracts
			p.Nav = append(p.Nav, navItem{Key: "nav.trading", URL: "/console/trading"})
			if a.Org != nil && pubdata.IsNonPublicOrg(a.Org) { // B7: the unit's contribution terms
				p.Nav = append(p.Nav, navItem{Key: "nav.contributions", URL: "/console/contributions"})
			}
		}
		if s.Jobs != nil && pubdata.CanOperateJobs(a) { // the job queue (cluster.go)
			p.Nav = append(p.Nav, navItem{Key: "nav.jobs", URL: "/console/jobs"})
		}
		if console {
			p.CalendarEnding = s.calendarEnding(a)
		}
		if s.Notifications != nil && console {
			p.Nav = append(p.Nav, navItem{Key: "nav.notifications", URL: "/console/notifications", Count: s.unreadNotifications(r)})
		}
		p.Nav = append(p.Nav, navItem{Key: "nav.account", URL: "/console/account"})
		for i := range p.Nav {
			p.Nav[i].Current = p.Nav[i].URL == r.URL.Path
		}
	}
	return p
}

// MayListUsers reports whether the actor may list some users.
func (s *Server) MayListUsers(a *pubdata.Actor) bool {
	return a.Org != nil && pubdata.Can(a, pubdata.ActionUserList, a.Org)
}

// Render executes the page's template into a buffer, then writes it with the status and
// the pages' security headers. view must embed page.
func (s *Server) Render(w http.ResponseWriter, r *http.Request, name string, status int, view any) error {
	lang := LangFrom(r.Context())
	t := s.pages.byLang[lang][name]
	if t == nil {
		return fmt.Errorf("render: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, view); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// RenderScripted renders a page that runs the site's own scripts (assets/*.js): its
// Content-Security-Policy allows script-src 'self' instead of none.
func (s *Server) RenderScripted(w http.ResponseWriter, r *http.Request, name string, status int, view any) error {
	return s.Render(scriptWriter{w}, r, name, status, view)
}

// scriptWriter relaxes the pages' script-src 'none' to 'self' as the headers go out.
type scriptWriter struct{ http.ResponseWriter }

func (sw scriptWriter) WriteHeader(status int) {
	h := sw.Header()
	h.Set("Content-Security-Policy", strings.Replace(h.Get("Content-Security-Policy"), "script-src 'none'", "script-src 'self'", 1))
	sw.ResponseWriter.WriteHeader(status)
}

// errorView is the view of the error page.
type errorView struct {
	Page
	TitleKey string
	TextKey  string
	Message  string // the error's own sentence (English), shown on English pages
}

// renderErrorPage shows an error as a page; if even that fails, as plain text.
func (s *Server) renderErrorPage(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	v := errorView{Page: s.Base(r, strings.HasPrefix(r.URL.Path, "/console")), Message: message}
	v.Status = status
	switch status {
	case http.StatusBadRequest, http.StatusMethodNotAllowed:
		v.TitleKey, v.TextKey = "error.invalid.title", "error.invalid.text"
	case http.StatusUnauthorized:
		v.TitleKey, v.TextKey = "error.unauthorized.title", "error.unauthorized.text"
	case http.StatusForbidden:
		v.TitleKey, v.TextKey = "error.forbidden.title", "error.forbidden.text"
	case http.StatusNotFound:
		v.TitleKey, v.TextKey = "error.not_found.title", "error.not_found.text"
	case http.StatusConflict:
		v.TitleKey, v.TextKey = "error.conflict.title", "error.conflict.text"
	case http.StatusRequestEntityTooLarge:
		v.TitleKey, v.TextKey = "error.too_large.title", "error.too_large.text"
	default:
		v.TitleKey, v.TextKey = "error.internal.title", "error.internal.text"
	}
	if err := s.Render(w, r, "error", status, v); err != nil {
		s.Logger.LogAttrs(r.Context(), slog.LevelError, "error page",
			slog.String("request_id", RequestIDFrom(r.Context())), slog.String("error", err.Error()))
		http.Error(w, message, status)
	}
}

// Redirect answers a form POST with 303 See Other to a local URL.
func Redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// WithQuery returns p with the parameters set (empty values dropped).
func WithQuery(p string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return p
	}
	return p + "?" + q.Encode()
}
