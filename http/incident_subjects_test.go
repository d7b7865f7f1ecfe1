package http

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/http/web"
	"github.com/pubdata/pubdata/sqlstore"
)

// TestIncidentSubjectsAndReminder: the window of the data subjects an incident must notify,
// drawn from the rows its grant exposed before notification and the saved list after; who
// may see it; and the one reminder when the report deadline passes unassessed.
func TestIncidentSubjectsAndReminder(t *testing.T) {
	e := newAccessEnv(t)
	sec := sqlstore.NewSecurityService(e.db)
	e.srv.Security = sec
	e.srv.Notifications = sqlstore.NewNotificationService(e.db)
	en := e.accessTable("流动人口信息", pubdata.ClassConditional, pubdata.ClassNone)
	entry, err := e.srv.Entries.FindPublishedEntry(system, en.ID)
	if err != nil {
		t.Fatal(err)
	}
	consumer := "xm-scj-member"
	until := e.clock().In(pubdata.ChinaTime).AddDate(0, 0, 60).Format(pubdata.DateFormat)
	app, err := e.srv.Applications.CreateApplication(e.actorCtx(consumer), entry, &pubdata.ApplicationCreate{Entry: en.ID, Kind: pubdata.KindShare,
		Items: []string{"id_no", "name", "city"}, Purpose: "流动人口服务管理", Basis: "《居住证暂行条例》", Until: until})
	if err != nil {
		t.Fatal(err)
	}
	if app, err = e.srv.Applications.DecideApplication(e.actorCtx(pbAdmin), app.ID, &pubdata.ApplicationDecision{Decision: "approve", Items: []string{"id_no", "name", "city"}, RowFilter: "city=福州"}); err != nil {
		t.Fatal(err)
	}
	inc, err := sec.ReportIncident(e.actorCtx(pbAdmin), &pubdata.IncidentReport{Org: "fj-gat", Grant: app.Grant, Kind: "leak", Severity: "major", Description: "共享数据疑似外泄"})
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/incidents/" + inc.ID + "/subjects"
	want := []string{idA, idB, idD}
	slices.Sort(want)
	w := e.do(req{path: path, as: authAdmin})
	got := decode[web.IncidentSubjects](t, w)
	slices.Sort(got.Subjects)
	if w.Code != 200 || !slices.Equal(got.Subjects, want) || got.Count != 3 || got.Notified != nil {
		t.Fatalf("subjects before notification: %d %s", w.Code, w.Body)
	}
	if w := e.do(req{path: path, as: pbAdmin}); w.Code != 200 { // the provider's admin
		t.Fatalf("the provider's admin: %d %s", w.Code, w.Body)
	}
	wantError(t, e.do(req{path: path, as: authReviewer}), 403, pubdata.EFORBIDDEN) // sees the incident, does not notify
	wantError(t, e.do(req{path: path, as: consumer}), 404, pubdata.ENOTFOUND)
	wantError(t, e.do(req{path: path, as: cityAdmin}), 404, pubdata.ENOTFOUND)
	wantError(t, e.do(req{path: path}), 401, pubdata.EUNAUTHORIZED)
	// The read of the rows is recorded.
	evs, _, _, err := e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Action: "data.read", Object: "entry:" + en.ID, Limit: 100})
	if err != nil || !slices.ContainsFunc(evs, func(ev *pubdata.Event) bool { return ev.Actor == authAdmin }) {
		t.Fatalf("the subjects' read is not recorded: %v", err)
	}

	// The console's window and its CSV, in both languages.
	admin := e.login(authAdmin)
	for _, lang := range []string{"zh-CN", "en"} {
		p := e.page("GET", "/console/incidents/"+inc.ID+"/subjects", admin, lang, nil)
		if body := p.Body.String(); p.Code != 200 || !strings.Contains(body, idA) || strings.Contains(body, idC) || !strings.Contains(body, `id="isubj-count"`) {
			t.Fatalf("%s window: %d", lang, p.Code)
		}
		checkPage(t, p.Body.String(), lang)
		if p := e.page("GET", "/console/incidents/"+inc.ID, admin, lang, nil); !strings.Contains(p.Body.String(), `id="incident-subjects-link"`) {
			t.Fatalf("%s incident page links no window", lang)
		}
	}
	csv := e.page("GET", "/console/incidents/"+inc.ID+"/subjects?format=csv", admin, "", nil)
	if csv.Code != 200 || !strings.HasPrefix(csv.Header().Get("Content-Type"), "text/csv") || !strings.HasPrefix(csv.Body.String(), "\ufeffkey\n") || !strings.Contains(csv.Body.String(), idB) {
		t.Fatalf("csv: %d %q", csv.Code, csv.Body.String())
	}
	if p := e.page("GET", "/console/incidents/"+inc.ID+"/subjects", e.login(pbMember), "", nil); p.Code != 403 && p.Code != 404 {
		t.Fatalf("a member opened the window: %d", p.Code)
	}

	// The deadline: not assessed within report_hours, one reminder to the unit and the
	// authority; none twice, none for an assessed incident.
	ctx := context.Background()
	if n, err := sec.RemindOverdueIncidents(ctx, e.clock()); err != nil || n != 0 {
		t.Fatalf("reminders before the deadline: %d %v", n, err)
	}
	later := e.clock().Add(25 * time.Hour)
	if n, err := sec.RemindOverdueIncidents(ctx, later); err != nil || n != 1 {
		t.Fatalf("reminders after the deadline: %d %v", n, err)
	}
	if n, err := sec.RemindOverdueIncidents(ctx, later); err != nil || n != 0 {
		t.Fatalf("reminded twice: %d %v", n, err)
	}
	for _, as := range []string{authAdmin, pbAdmin} {
		w := e.do(req{path: "/api/v1/notifications", as: as})
		if w.Code != 200 || !strings.Contains(w.Body.String(), pubdata.NoticeIncidentOverdue) || !strings.Contains(w.Body.String(), "较大") {
			t.Fatalf("%s not reminded: %d %s", as, w.Code, w.Body)
		}
	}
	if evs, _, _, err := e.srv.Audit.FindEvents(system, pubdata.AuditFilter{Action: "incident.overdue", Object: "incident:" + inc.ID, Limit: 10}); err != nil || len(evs) != 1 {
		t.Fatalf("reminder recorded: %d %v", len(evs), err)
	}

	// After notification the window shows the list saved then.
	if w := e.do(req{method: "POST", path: "/api/v1/incidents/" + inc.ID + "/notify", as: authAdmin}); w.Code != 200 {
		t.Fatalf("notify: %d %s", w.Code, w.Body)
	}
	got = decode[web.IncidentSubjects](t, e.do(req{path: path, as: authAdmin}))
	if got.Notified == nil || got.Count != 3 {
		t.Fatalf("after notification: %+v", got)
	}
}
