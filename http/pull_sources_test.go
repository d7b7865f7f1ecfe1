package http

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/pull"
	"github.com/pubdata/pubdata/lib/sealed"
	"github.com/pubdata/pubdata/sqlstore"
)

// pullEnv is the fixture with pull sources on, and a published table entry of fj-gat
// (350000) that is not open to the public.
func pullEnv(t *testing.T) (*env, *pubdata.Entry) {
	e := newEnv(t)
	key, err := sealed.LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e.srv.PullSources = sqlstore.NewPullSourceService(e.db, key)
	sched := &pull.Scheduler{Sources: e.srv.PullSources, Entries: e.srv.Entries, Data: e.srv.Data, Logger: e.srv.Logger,
		Hosts: pull.Hosts{Allowed: []string{"127.0.0.1"}}}
	e.srv.RunPull = sched.RunSource
	en := e.createEntry(pbEditor, entryBody("企业登记信息", pubdata.ClassConditional, pubdata.ClassNone))
	e.publish(pbEditor, en.ID)
	return e, en
}

// unreachableDSN names a MySQL server that is not there: a run fails at once.
const unreachableDSN = "reader:pw-Secret-1@tcp(127.0.0.1:1)/registry"

func TestPullSourcesAPI(t *testing.T) {
	e, en := pullEnv(t)
	path := "/api/v1/entries/" + en.ID + "/sources"
	body := map[string]any{"name": "登记系统", "driver": "mysql", "dsn": unreachableDSN, "table": "companies", "updated_column": "updated_at",
		"columns": map[string]string{"name": "company_name"}, "interval_minutes": 15}

	// Who may register: the provider's editors and administrators only.
	wantError(t, e.do(req{method: "POST", path: path, body: body}), http.StatusUnauthorized, pubdata.EUNAUTHORIZED)
	for _, as := range []string{pbMember, pbReviewer, authAdmin, authReviewer, cityAdmin} {
		wantError(t, e.do(req{method: "POST", path: path, body: body, as: as}), http.StatusForbidden, pubdata.EFORBIDDEN)
	}
	wantError(t, e.do(req{method: "POST", path: path, body: body, as: citizen}), http.StatusNotFound, pubdata.ENOTFOUND)
	bad := map[string]any{"driver": "mysql", "dsn": unreachableDSN, "table": "t; DROP TABLE t", "updated_column": "u"}
	w := e.do(req{method: "POST", path: path, body: bad, as: pbEditor})
	wantError(t, w, http.StatusBadRequest, pubdata.EINVALID)
	if f := errorFieldsOf(t, w.Body.Bytes()); f["table"] == "" {
		t.Fatalf("fields %v", f)
	}

	w = e.do(req{method: "POST", path: path, body: body, as: pbEditor})
	if w.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	if strings.Contains(w.Body.String(), "pw-Secret-1") || strings.Contains(w.Body.String(), "sm4gcm") {
		t.Fatalf("the reply holds the DSN: %s", w.Body)
	}
	src := decode[*pubdata.PullSource](t, w)
	if src.DSN != "mysql://reader:***@127.0.0.1:1/registry" || !src.Enabled || src.IntervalMinutes != 15 || w.Header().Get("Location") != "/api/v1/sources/"+src.ID {
		t.Fatalf("created %+v", src)
	}

	// Who may read: the provider's editors and administrators and the covering authority.
	for _, as := range []string{pbEditor, pbAdmin, authReviewer, authMember} {
		if w := e.do(req{path: path, as: as}); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), src.ID) {
			t.Errorf("list as %s: %d", as, w.Code)
		}
		if w := e.do(req{path: "/api/v1/sources/" + src.ID, as: as}); w.Code != http.StatusOK {
			t.Errorf("get as %s: %d", as, w.Code)
		}
	}
	for _, as := range []string{pbMember, pbReviewer, cityAdmin} {
		wantError(t, e.do(req{path: path, as: as}), http.StatusForbidden, pubdata.EFORBIDDEN)
		wantError(t, e.do(req{path: "/api/v1/sources/" + src.ID, as: as}), http.StatusForbidden, pubdata.EFORBIDDEN)
	}
	wantError(t, e.do(req{path: "/api/v1/sources/" + src.ID, as: citizen}), http.StatusNotFound, pubdata.ENOTFOUND)
	wantError(t, e.do(req{path: "/api/v1/sources/nope", as: pbEditor}), http.StatusNotFound, pubdata.ENOTFOUND)

	// Change: absent fields stay; the DSN stays unless given.
	for _, as := range []string{pbMember, authAdmin} {
		wantError(t, e.do(req{method: "PATCH", path: "/api/v1/sources/" + src.ID, body: map[string]any{"interval_minutes": 30}, as: as}), http.StatusForbidden, pubdata.EFORBIDDEN)
	}
	w = e.do(req{method: "PATCH", path: "/api/v1/sources/" + src.ID, body: map[string]any{"interval_minutes": 30, "enabled": false}, as: pbEditor})
	if got := decode[*pubdata.PullSource](t, w); w.Code != http.StatusOK || got.IntervalMinutes != 30 || got.Enabled || got.Table != "companies" || got.DSN != src.DSN {
		t.Fatalf("patch: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{method: "PATCH", path: "/api/v1/sources/" + src.ID, body: map[string]any{"interval_minutes": 1}, as: pbEditor}), http.StatusBadRequest, pubdata.EINVALID)
	wantError(t, e.do(req{method: "PATCH", path: "/api/v1/sources/" + src.ID, body: map[string]any{"password": "x"}, as: pbEditor}), http.StatusBadRequest, pubdata.EINVALID)

	// Run now: the failure is recorded on the source, with a retry by backoff.
	for _, as := range []string{pbMember, authReviewer} {
		wantError(t, e.do(req{method: "POST", path: "/api/v1/sources/" + src.ID + "/run", as: as}), http.StatusForbidden, pubdata.EFORBIDDEN)
	}
	w = e.do(req{method: "POST", path: "/api/v1/sources/" + src.ID + "/run", as: pbEditor})
	if w.Code != http.StatusOK {
		t.Fatalf("run: %d %s", w.Code, w.Body)
	}
	run := decode[struct {
		Source *pubdata.PullSource `json:"source"`
		Batch  *pubdata.Batch      `json:"batch"`
	}](t, w)
	if run.Batch != nil || run.Source.Failures != 1 || run.Source.LastStatus != pubdata.PullFailed || !strings.Contains(run.Source.LastError, "Cannot connect") ||
		run.Source.NextRunAt.Sub(*run.Source.LastRunAt) != time.Minute {
		t.Fatalf("run: %s", w.Body)
	}
	if strings.Contains(w.Body.String(), "pw-Secret-1") {
		t.Fatalf("the run's reply holds the password: %s", w.Body)
	}

	// Delete.
	wantError(t, e.do(req{method: "DELETE", path: "/api/v1/sources/" + src.ID, as: authAdmin}), http.StatusForbidden, pubdata.EFORBIDDEN)
	if w := e.do(req{method: "DELETE", path: "/api/v1/sources/" + src.ID, as: pbAdmin}); w.Code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{path: "/api/v1/sources/" + src.ID, as: pbEditor}), http.StatusNotFound, pubdata.ENOTFOUND)

	// A draft entry has no table to pull into.
	draft := e.createEntry(pbEditor, entryBody("草稿", pubdata.ClassConditional, pubdata.ClassNone))
	wantError(t, e.do(req{method: "POST", path: "/api/v1/entries/" + draft.ID + "/sources", body: body, as: pbEditor}), http.StatusBadRequest, pubdata.EINVALID)
}

func TestPullSourcesPage(t *testing.T) {
	e, en := pullEnv(t)
	page := "/console/entries/" + en.ID + "/sources"
	ed := e.login(pbEditor)
	if w := e.do(req{path: "/console/entries/" + en.ID, cookies: []*http.Cookie{ed}}); !strings.Contains(w.Body.String(), page) {
		t.Fatalf("the entry page has no link to its sources: %d", w.Code)
	}
	form := url.Values{"name": {"登记系统"}, "driver": {"mysql"}, "dsn": {unreachableDSN}, "table": {"companies"}, "updated_column": {"updated_at"},
		"columns": {"name=company_name"}, "interval_minutes": {"15"}, "on_error": {"abort"}, "enabled": {"1"}}
	// Bad input is shown next to its field, and nothing is written.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("updated_column", "updated at")
	w := e.do(req{method: "POST", path: page, body: bad, cookies: []*http.Cookie{ed}})
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "source-updated-error") || strings.Contains(w.Body.String(), "pw-Secret-1") {
		t.Fatalf("bad form: %d", w.Code)
	}
	w = e.do(req{method: "POST", path: page, body: form, cookies: []*http.Cookie{ed}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", w.Code, w.Body)
	}
	list, _ := e.srv.PullSources.FindPullSources(system, en.ID)
	if len(list) != 1 || list[0].Columns["name"] != "company_name" {
		t.Fatalf("saved %v", list)
	}
	id := list[0].ID
	if w := e.do(req{method: "POST", path: page + "/" + id + "/run", cookies: []*http.Cookie{ed}}); w.Code != http.StatusSeeOther {
		t.Fatalf("run: %d %s", w.Code, w.Body)
	}
	w = e.do(req{path: page, cookies: []*http.Cookie{ed}})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "登记系统") || !strings.Contains(w.Body.String(), "mysql://reader:***@127.0.0.1:1/registry") ||
		!strings.Contains(w.Body.String(), "Cannot connect") || !strings.Contains(w.Body.String(), "连续失败 1 次") || strings.Contains(w.Body.String(), "pw-Secret-1") {
		t.Fatalf("page: %d %s", w.Code, w.Body)
	}
	// The failed run shows on the entry page too (the data panel), without the secret.
	w = e.do(req{path: "/console/entries/" + en.ID, cookies: []*http.Cookie{ed}})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Cannot connect") || !strings.Contains(w.Body.String(), "连续失败 1 次") || strings.Contains(w.Body.String(), "pw-Secret-1") {
		t.Fatalf("entry page after a failed run: %d %s", w.Code, w.Body)
	}
	// Edit keeps the DSN when the field is empty.
	form.Set("id", id)
	form.Set("dsn", "")
	form.Set("interval_minutes", "30")
	if w := e.do(req{method: "POST", path: page, body: form, cookies: []*http.Cookie{ed}}); w.Code != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", w.Code, w.Body)
	}
	if got, _ := e.srv.PullSources.FindPullSourceByID(system, id); got.IntervalMinutes != 30 || got.DSN != list[0].DSN {
		t.Fatalf("edited %+v", got)
	}

	// The covering authority sees the page without the forms; a member of the provider does not.
	au := e.login(authReviewer)
	if w := e.do(req{path: page, cookies: []*http.Cookie{au}}); w.Code != http.StatusOK || strings.Contains(w.Body.String(), `name="dsn"`) {
		t.Fatalf("authority: %d", w.Code)
	}
	if w := e.do(req{method: "POST", path: page + "/" + id + "/delete", cookies: []*http.Cookie{au}}); w.Code != http.StatusForbidden {
		t.Fatalf("authority delete: %d", w.Code)
	}
	if w := e.do(req{path: page, cookies: []*http.Cookie{e.login(pbMember)}}); w.Code != http.StatusForbidden {
		t.Fatalf("member: %d", w.Code)
	}
	if w := e.do(req{method: "POST", path: page + "/" + id + "/delete", cookies: []*http.Cookie{ed}}); w.Code != http.StatusSeeOther {
		t.Fatalf("delete: %d", w.Code)
	}
	if list, _ := e.srv.PullSources.FindPullSources(system, en.ID); len(list) != 0 {
		t.Fatalf("after delete: %v", list)
	}
}
