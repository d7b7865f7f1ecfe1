package http

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata/http/web"
)

// The audit page (issue 11 item 7): names and titles beside the ids, filters by date,
// actor, action and object, a CSV export of the filtered events with a BOM, and the
// integrity check's result, which turns when the record is altered.
func TestAuditPageNamesFiltersCSVAndCheck(t *testing.T) {
	e := pdEnv(t)
	id := pdPublish(e, "居民身份证信息", nil)
	admin := e.login(authAdmin)
	org, err := e.srv.Orgs.FindOrgByCode(system, "fj-gat")
	if err != nil {
		t.Fatal(err)
	}

	// Names: the entry's title (linked), the organisation's name, the actor's display name.
	w := e.page("GET", "/console/audit?action=entry.create", admin, "", nil)
	wantStatus(t, "audit", w, 200)
	wantBody(t, "audit", w, `<a href="/console/entries/`+id+`">居民身份证信息</a>`, org.Name, "<code>entry:"+id+"</code>")
	if u, err := e.srv.Users.FindUserByUsername(system, pbEditor); err == nil && u.DisplayName != "" && u.DisplayName != u.Username {
		wantBody(t, "audit actor", w, u.DisplayName+"<br><code>"+pbEditor+"</code>")
	}
	// Filters: actor, object, and the date range in China's time zone.
	today := time.Now().In(web.DisplayZone)
	day := func(d int) string { return today.AddDate(0, 0, d).Format("2006-01-02") }
	w = e.page("GET", "/console/audit?object=entry:"+id+"&actor="+pbEditor+"&from="+day(0)+"&to="+day(0), admin, "", nil)
	wantBody(t, "audit today", w, "entry.create", `name="from" type="date" value="`+day(0)+`"`)
	w = e.page("GET", "/console/audit?object=entry:"+id+"&from="+day(1), admin, "", nil)
	wantStatus(t, "audit tomorrow", w, 200)
	wantNotBody(t, "audit tomorrow", w, "<code>entry:"+id+"</code>")
	w = e.page("GET", "/console/audit?object=entry:"+id+"&to="+day(-1), admin, "", nil)
	wantNotBody(t, "audit up to yesterday", w, "<code>entry:"+id+"</code>")
	wantStatus(t, "audit bad date", e.page("GET", "/console/audit?from=2026-13-01", admin, "", nil), 400)
	wantStatus(t, "audit reversed range", e.page("GET", "/console/audit?from="+day(1)+"&to="+day(0), admin, "", nil), 400)
	// The API filters by dates too.
	if w := e.do(req{path: "/api/v1/audit?object=entry:" + id + "&from=" + day(1), as: authAdmin}); w.Code != 200 || strings.Contains(w.Body.String(), "entry.create") {
		t.Errorf("API date filter: %d %s", w.Code, w.Body)
	}

	// CSV: the page links the export of its filters; UTF-8 with a BOM, names beside ids.
	w = e.page("GET", "/console/audit?object=entry:"+id, admin, "", nil)
	wantBody(t, "audit csv link", w, `href="/console/audit.csv?object=entry%3A`+id+`"`, "导出 CSV")
	w = e.page("GET", "/console/audit.csv?object="+url.QueryEscape("entry:"+id), admin, "", nil)
	wantStatus(t, "audit csv", w, 200)
	body := w.Body.String()
	if !strings.HasPrefix(body, "\ufeff") || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") || !strings.Contains(w.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("csv: %q %q %.80q", w.Header().Get("Content-Type"), w.Header().Get("Content-Disposition"), body)
	}
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(body, "\ufeff")), "\n")
	if !strings.Contains(lines[0], "对象名称") || len(lines) < 3 || !strings.Contains(body, "entry.create") || !strings.Contains(body, "居民身份证信息") || strings.Contains(body, "org.create") {
		t.Fatalf("csv body:\n%s", body)
	}
	w = e.page("GET", "/console/audit.csv?bom=0&action=entry.create", admin, web.LangEN, nil)
	if b := w.Body.String(); strings.HasPrefix(b, "\ufeff") || !strings.Contains(b, "Object name") {
		t.Errorf("csv (en, no BOM): %.120q", b)
	}
	wantStatus(t, "audit csv forbidden", e.page("GET", "/console/audit.csv", e.login(pbEditor), "", nil), 403)
	wantStatus(t, "audit csv bad date", e.page("GET", "/console/audit.csv?to=x", admin, "", nil), 400)

	// The integrity check: intact, then broken after a row is altered behind the platform.
	// serve signs a checkpoint every minute: a record without one is a missing history.
	if _, err := e.srv.Audit.Checkpoint(system); err != nil {
		t.Fatal(err)
	}
	w = e.page("GET", "/console/audit?verify=1", admin, "", nil)
	wantBody(t, "audit check", w, `id="audit-integrity"`, "校验通过", "立即重新校验")
	w = e.page("GET", "/console/audit?lang=en", admin, web.LangEN, nil)
	wantBody(t, "audit check (en)", w, "Integrity check", "the record has not been altered")
	if err := e.db.Exec(context.Background(), `UPDATE audit_events SET actor = 'mallory' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	w = e.page("GET", "/console/audit?verify=1", admin, "", nil)
	wantBody(t, "audit check after tampering", w, "校验失败：自第 2 条记录起与签名不符")
}
