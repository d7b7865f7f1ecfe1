package http

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/access"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/internal/testdb"
	"github.com/pubdata/pubdata/lib/division"
	"github.com/pubdata/pubdata/sqlstore"
)

// system is the context of set-up: no user.
var system = pubdata.NewContextWithActor(context.Background(), &pubdata.Actor{})

// env is a real server on a fresh SQLite store, with a province of organisations and a
// user (with an API token) for every role.
type env struct {
	t      *testing.T
	srv    *Server
	h      http.Handler
	db     *sqlstore.DB
	logs   *syncBuffer
	users  map[string]*pubdata.User // by username
	tokens map[string]string        // username → API token secret
	ready  error

	mu  sync.Mutex
	now time.Time // zero: the real clock
}

// syncBuffer is a bytes.Buffer safe for the logger and the test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The actors of the fixture, by username.
const (
	authAdmin    = "auth-admin"    // provincial authority fj-dsj (350000)
	authEditor   = "auth-editor"   //
	authReviewer = "auth-reviewer" //
	authMember   = "auth-member"   //
	pbAdmin      = "pb-admin"      // public body fj-gat (350000)
	pbEditor     = "pb-editor"     //
	pbReviewer   = "pb-reviewer"   //
	pbMember     = "pb-member"     //
	citizen      = "citizen"       // a public user
	cityAdmin    = "city-admin"    // city authority fz-dsj (350100)
	anonymous    = ""
)

// password returns the fixture password of a user.
func password(username string) string { return "pw-" + username + "-secret" }

func newEnv(t *testing.T) *env {
	return newEnvWith(t, nil)
}

// newEnvWith builds the env; configure may change the server before Handler is called.
func newEnvWith(t *testing.T, configure func(*Server)) *env {
	t.Helper()
	return newEnvOn(t, testdb.SQLite(t), configure)
}

// newEnvOn is newEnvWith on the database dsn (testdb.SQLite or testdb.Postgres).
func newEnvOn(t *testing.T, dsn string, configure func(*Server)) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, logs: &syncBuffer{}, users: map[string]*pubdata.User{}, tokens: map[string]string{}}
	db.Now = e.clock
	t.Cleanup(func() {
		if t.Failed() {
			for _, line := range strings.Split(e.logs.String(), "\n") {
				if strings.Contains(line, `"level":"ERROR"`) && !strings.Contains(line, `"msg":"http request"`) {
					t.Log(line)
				}
			}
		}
	})
	e.srv = &web.Server{
		Orgs:      sqlstore.NewOrgService(db, division.Default()),
		Users:     sqlstore.NewUserService(db),
		Tokens:    sqlstore.NewTokenService(db),
		Audit:     sqlstore.NewAuditService(db),
		Entries:   sqlstore.NewEntryService(db),
		Elements:  sqlstore.NewElementService(db),
		Demands:   sqlstore.NewDemandService(db),
		Data:      sqlstore.NewDataService(db),
		Reads:     access.New(sqlstore.NewRowReader(db)),
		Divisions: division.Default(),
		Calendar:  db.Calendar(),
		Calendars: sqlstore.NewCalendarService(db),
		Licenses:  sqlstore.NewLicenseService(db),
		Ready:     func(ctx context.Context) error { e.mu.Lock(); defer e.mu.Unlock(); return e.ready },
		Logger:    slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:       e.clock,
	}
	if configure != nil {
		configure(e.srv)
	}
	if e.h, err = NewHandler(e.srv); err != nil {
		t.Fatal(err)
	}

	for _, o := range []*pubdata.Org{
		{Code: "fj-dsj", Name: "福建省大数据管理局", Kind: pubdata.KindAuthority, Division: "350000"},
		{Code: "fz-dsj", Name: "福州市大数据管理局", Kind: pubdata.KindAuthority, Division: "350100", Parent: "fj-dsj"},
		{Code: "fj-gat", Name: "福建省公安厅", Kind: pubdata.KindPublicBody, Division: "350000"},
		{Code: "fz-scj", Name: "福州市市场监督管理局", Kind: pubdata.KindPublicBody, Division: "350100"},
		{Code: "xm-scj", Name: "厦门市市场监督管理局", Kind: pubdata.KindPublicBody, Division: "350200"},
	} {
		if err := e.srv.Orgs.CreateOrg(system, o); err != nil {
			t.Fatalf("CreateOrg(%s): %v", o.Code, err)
		}
	}
	for _, u := range []struct {
		name, org string
		role      pubdata.Role
	}{
		{authAdmin, "fj-dsj", pubdata.RoleAdmin},
		{authEditor, "fj-dsj", pubdata.RoleEditor},
		{authReviewer, "fj-dsj", pubdata.RoleReviewer},
		{authMember, "fj-dsj", pubdata.RoleMember},
		{pbAdmin, "fj-gat", pubdata.RoleAdmin},
		{pbEditor, "fj-gat", pubdata.RoleEditor},
		{pbReviewer, "fj-gat", pubdata.RoleReviewer},
		{pbMember, "fj-gat", pubdata.RoleMember},
		{citizen, "", ""},
		{cityAdmin, "fz-dsj", pubdata.RoleAdmin},
		{"fz-scj-member", "fz-scj", pubdata.RoleMember},
		{"xm-scj-member", "xm-scj", pubdata.RoleMember},
	} {
		user, err := e.srv.Users.CreateUser(system, &pubdata.UserCreate{
			Username: u.name, Password: password(u.name), DisplayName: "用户 " + u.name, OrgCode: u.org, Role: u.role,
		})
		if err != nil {
			t.Fatalf("CreateUser(%s): %v", u.name, err)
		}
		e.users[u.name] = user
		_, secret, err := e.srv.Tokens.CreateToken(system, user.ID, "fixture", 0)
		if err != nil {
			t.Fatalf("CreateToken(%s): %v", u.name, err)
		}
		e.tokens[u.name] = secret
	}
	return e
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.now.IsZero() {
		return time.Now()
	}
	return e.now
}

// advance moves the clock of the store and the server forward.
func (e *env) advance(d time.Duration) {
	now := e.clock()
	e.mu.Lock()
	e.now = now.Add(d)
	e.mu.Unlock()
}

// req is one request for do.
type req struct {
	method, path string
	body         any // marshalled as JSON unless a string or url.Values
	as           string
	header       http.Header
	cookies      []*http.Cookie
	remote       string // the client's address ("": httptest's 192.0.2.1)
}

// do runs the request against the handler; as names the user whose bearer token is sent.
func (e *env) do(r req) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	contentType := ""
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
		contentType = "application/json"
	case url.Values:
		body = strings.NewReader(b.Encode())
		contentType = "application/x-www-form-urlencoded"
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		body = bytes.NewReader(buf)
		contentType = "application/json"
	}
	if r.method == "" {
		r.method = http.MethodGet
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if contentType != "" {
		hr.Header.Set("Content-Type", contentType)
	}
	if r.as != "" {
		secret, ok := e.tokens[r.as]
		if !ok {
			e.t.Fatalf("no token for %q", r.as)
		}
		hr.Header.Set("Authorization", "Bearer "+secret)
	}
	for k, vs := range r.header {
		for _, v := range vs {
			hr.Header.Add(k, v)
		}
	}
	for _, c := range r.cookies {
		hr.AddCookie(c)
	}
	if r.remote != "" {
		hr.RemoteAddr = r.remote + ":4711"
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, hr)
	return w
}

// login signs in through the API and returns the session cookie.
func (e *env) login(username string) *http.Cookie {
	e.t.Helper()
	w := e.do(req{method: "POST", path: "/api/v1/login", body: map[string]string{"username": username, "password": password(username)}})
	if w.Code != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", username, w.Code, w.Body)
	}
	c := cookieNamed(w, web.SessionCookie)
	if c == nil {
		e.t.Fatalf("login %s: no session cookie", username)
	}
	return c
}

func cookieNamed(w *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// decode parses a JSON reply.
func decode[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("reply is not JSON (%v): %s", err, w.Body)
	}
	return v
}

// wantError checks the status and the error JSON shape of a reply.
func wantError(t *testing.T, w *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON", ct)
	}
	var body struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error == nil {
		t.Fatalf("error body %s is not {\"error\":{…}}", w.Body)
	}
	if body.Error.Code != code {
		t.Fatalf("error code %q, want %q: %s", body.Error.Code, code, w.Body)
	}
	if body.Error.Message == "" {
		t.Fatalf("error without a message: %s", w.Body)
	}
}
