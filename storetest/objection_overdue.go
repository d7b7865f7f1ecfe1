package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/locale"
)

var objectionOverdueTests = []namedTest{
	{"ObjectionOverdue", testObjectionOverdue},
}

// testObjectionOverdue: an open objection past its due time is reported once to the
// admins and reviewers of the nearest covering authority, recorded; one on time, one
// answered in time, and a second run are not; the provider is not told again.
func testObjectionOverdue(t *testing.T, s *Store) {
	editor, provinceReviewer, e := objectionSetup(t, s)
	load(t, s, editor, e, pubdata.LoadOptions{},
		row(2, uA, "甲公司", 100.5, int64(10), true, "2001-02-03"),
		row(3, uB, "乙公司", 20.0, int64(3), false, "2010-01-01"),
		row(4, uC, "丙公司", nil, nil, nil, nil))
	cityAdmin := actorCtx(t, s, "fzdsj-admin", "fz-dsj", pubdata.RoleAdmin)
	cityMember := actorCtx(t, s, "fzdsj-member", "fz-dsj", pubdata.RoleMember)
	citizen := actorCtx(t, s, "citizen", "", "")
	// file receives an objection at the time: the store counts its due date from then.
	file := func(key string, received time.Time) *pubdata.Objection {
		t.Helper()
		s.SetNow(received)
		defer s.SetNow(appNow)
		o, err := s.Objections.FileObjection(citizen, e, &pubdata.ObjectionCreate{Entry: e.ID, Key: map[string]string{"uscc": key}, Reason: pubdata.ObjectionError, Detail: "有误"}, true)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	twoWeeksAgo := appNow.AddDate(0, 0, -14) // due five working days later, before appNow
	late := file(uA, twoWeeksAgo)
	answered := file(uB, twoWeeksAgo)
	onTime := file(uC, appNow)
	if _, err := s.Objections.ResolveObjection(editor, answered.ID, &pubdata.ObjectionResolution{Outcome: pubdata.ObjectionRejected, Note: "依法公示"}); err != nil {
		t.Fatal(err)
	}

	n, err := s.Objections.MarkObjectionsOverdue(system, appNow)
	if err != nil || n != 1 {
		t.Fatalf("MarkObjectionsOverdue = %d, %v; want 1", n, err)
	}
	if n, err := s.Objections.MarkObjectionsOverdue(system, appNow.Add(time.Minute)); err != nil || n != 0 {
		t.Fatalf("MarkObjectionsOverdue again = %d, %v; want 0", n, err)
	}
	overdueNotices := func(ctx context.Context) []*pubdata.Notification {
		t.Helper()
		list, _ := notices(t, s, ctx)
		var out []*pubdata.Notification
		for _, n := range list {
			if n.Key == pubdata.NoticeObjectionOverdue {
				out = append(out, n)
			}
		}
		return out
	}
	got := overdueNotices(cityAdmin)
	if len(got) != 1 || got[0].Object != "objection:"+late.ID || !strings.Contains(locale.Notice(locale.ZH, got[0].Key, got[0].Params), "福州市市场监督管理局") ||
		!strings.Contains(locale.Notice(locale.ZH, got[0].Key, got[0].Params), late.Due) || !strings.Contains(locale.Notice(locale.EN, got[0].Key, got[0].Params), "overdue") || !strings.Contains(got[0].Link, late.ID) {
		t.Fatalf("the covering authority's notifications: %+v", got)
	}
	// Only the nearest authority's admins and reviewers; not its members, the province's,
	// or the provider (told already with the deadline).
	for name, ctx := range map[string]context.Context{"member": cityMember, "province": provinceReviewer, "provider": editor, "filer": citizen} {
		if got := overdueNotices(ctx); len(got) != 0 {
			t.Errorf("%s notified: %+v", name, got)
		}
	}
	if len(eventsOf(t, s, "objection.overdue", "objection:"+late.ID)) != 1 {
		t.Fatal("overdue not recorded once")
	}
	for _, id := range []string{answered.ID, onTime.ID} {
		if len(eventsOf(t, s, "objection.overdue", "objection:"+id)) != 0 {
			t.Fatalf("objection %s recorded as overdue", id)
		}
	}
	// Still open and frozen: the provider may answer it late.
	if o, err := s.Objections.FindObjectionByID(system, late.ID); err != nil || o.Status != pubdata.ObjectionOpen {
		t.Fatalf("late objection %+v, %v", o, err)
	}
	if _, err := s.Objections.ResolveObjection(editor, late.ID, &pubdata.ObjectionResolution{Outcome: pubdata.ObjectionRejected, Note: "已核实无误"}); err != nil {
		t.Fatal(err)
	}
	// The one on time becomes overdue later, once; the answered ones never.
	if n, err := s.Objections.MarkObjectionsOverdue(system, appNow.Add(30*24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("MarkObjectionsOverdue later = %d, %v; want 1", n, err)
	}
	if got := overdueNotices(cityAdmin); len(got) != 2 || got[0].Object != "objection:"+onTime.ID {
		t.Fatalf("after the second deadline: %+v", got)
	}
}
