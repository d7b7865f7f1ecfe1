package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/locale"
)

var ticketTests = []namedTest{
	{"TicketFlow", testTicketFlow},
	{"TicketEscalation", testTicketEscalation},
	{"TicketLists", testTicketLists},
	{"TicketCalendar", testTicketCalendar},
}

func ticketSetup(t *testing.T, s *Store) (editor, reviewer context.Context, e *pubdata.Entry, b *pubdata.Batch) {
	t.Helper()
	if s.Tickets == nil || s.Notifications == nil {
		t.Fatal("the store under test must provide its ticket service (storetest.Store)")
	}
	s.SetNow(appNow)
	editor, reviewer, e = dataSetup(t, s)
	b = load(t, s, editor, e, pubdata.LoadOptions{},
		row(2, uA, "甲公司", 100.5, int64(10), true, "2001-02-03"),
		row(3, uB, "乙公司", 20.0, int64(3), false, "2010-01-01"))
	return
}

func noticesOf(t *testing.T, s *Store, ctx context.Context, key string) []*pubdata.Notification {
	t.Helper()
	list, _ := notices(t, s, ctx)
	var out []*pubdata.Notification
	for _, n := range list {
		if n.Key == key {
			out = append(out, n)
		}
	}
	return out
}

func wantTicketCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if pubdata.ErrorCode(err) != code {
		t.Fatalf("%s: %v, want %s", what, err, code)
	}
}

// testTicketFlow: a reader reports a problem with a row (due five working days later, the
// provider told); the provider answers linking a batch of the entry (another entry's batch,
// an empty answer and an unknown batch are refused), the reporter is told; the reporter
// reopens (due again from then, a reason required), the provider answers again and the
// reporter confirms; each step is recorded once and the workflow refuses steps out of turn.
func testTicketFlow(t *testing.T, s *Store) {
	editor, reviewer, e, batch := ticketSetup(t, s)
	citizen := actorCtx(t, s, "citizen", "", "")
	c := &pubdata.TicketCreate{Entry: e.ID, Key: map[string]string{"uscc": uB}, Category: pubdata.TicketWrongValue, Description: "  注册资本应为 30 万元  "}
	tk, err := s.Tickets.CreateTicket(citizen, e, c)
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 10, 13, 9, 30, 0, 0, time.UTC) // 5 working days after 09-30 (10-10 is a make-up Saturday)
	if tk.Status != pubdata.TicketOpen || tk.Reporter != "citizen" || tk.ReporterOrg != "" || tk.Provider != "fz-scj" || tk.Division != e.Division ||
		tk.Key["uscc"] != uB || tk.Description != "注册资本应为 30 万元" || tk.Due != "2026-10-13" || !tk.DueAt.Equal(due) || !tk.DueCovered || tk.Overdue || tk.Rounds != 0 {
		t.Fatalf("reported %+v", tk)
	}
	if got := noticesOf(t, s, editor, pubdata.NoticeTicketNew); len(got) != 1 || !strings.Contains(locale.Notice(locale.ZH, got[0].Key, got[0].Params), "2026-10-13") ||
		!strings.Contains(locale.Notice(locale.ZH, got[0].Key, got[0].Params), "数据值错误") || strings.Contains(locale.Notice(locale.ZH, got[0].Key, got[0].Params), uB) {
		t.Fatalf("the provider's notifications: %+v", got)
	}
	evs := eventsOf(t, s, "ticket.create", "ticket:"+tk.ID)
	if len(evs) != 1 || evs[0].Actor != "citizen" || fmt.Sprint(evs[0].Details["key"]) == fmt.Sprint(map[string]string{"uscc": uB}) {
		t.Fatalf("ticket.create events (the USCC masked): %+v", evs)
	}
	// A report of the whole entry has no key.
	whole, err := s.Tickets.CreateTicket(citizen, e, &pubdata.TicketCreate{Entry: e.ID, Key: map[string]string{"uscc": " "}, Category: pubdata.TicketOutdated, Description: "数据两年未更新"})
	if err != nil || whole.Key != nil {
		t.Fatalf("report of the entry: %+v, %v", whole, err)
	}
	// Validation.
	_, err = s.Tickets.CreateTicket(citizen, e, &pubdata.TicketCreate{Entry: e.ID, Key: map[string]string{"nope": "1"}, Category: "bad", Description: strings.Repeat("长", pubdata.MaxTicketText+1)})
	if fields := pubdata.ErrorFields(err); fields["key"] == nil || fields["category"] == nil || fields["description"] == nil {
		t.Fatalf("invalid report: %v (%v)", err, fields)
	}
	wantTicketCode(t, "anonymous report", func() error {
		_, err := s.Tickets.CreateTicket(system, e, &pubdata.TicketCreate{Entry: e.ID, Category: pubdata.TicketOther, Description: "x"})
		return err
	}(), pubdata.EUNAUTHORIZED)

	// Steps out of turn.
	_, err = s.Tickets.ConfirmTicket(citizen, tk.ID)
	wantTicketCode(t, "confirm before the answer", err, pubdata.ECONFLICT)
	_, err = s.Tickets.ReopenTicket(citizen, tk.ID, &pubdata.TicketReopen{Reason: "x"})
	wantTicketCode(t, "reopen before the answer", err, pubdata.ECONFLICT)
	// The answer: another entry's batch, an unknown batch and an empty answer are refused.
	other := publish(t, s, editor, reviewer, "fz-scj", companyFields())
	otherBatch := load(t, s, editor, other, pubdata.LoadOptions{}, row(2, uC, "丙公司", nil, nil, nil, nil))
	for name, ans := range map[string]*pubdata.TicketAnswer{
		"another entry's batch": {Answer: "已更正", Batch: otherBatch.ID},
		"an unknown batch":      {Answer: "已更正", Batch: "no-such-batch"},
		"an empty answer":       {Answer: "  "},
	} {
		_, err := s.Tickets.AnswerTicket(editor, tk.ID, ans)
		wantTicketCode(t, name, err, pubdata.EINVALID)
	}
	fixed := load(t, s, editor, e, pubdata.LoadOptions{Mode: pubdata.ModeUpsert}, row(2, uB, "乙公司", 30.0, int64(3), false, "2010-01-01"))
	tk, err = s.Tickets.AnswerTicket(editor, tk.ID, &pubdata.TicketAnswer{Answer: "已核实并更正注册资本", Batch: fixed.ID})
	if err != nil {
		t.Fatal(err)
	}
	if tk.Status != pubdata.TicketAnswered || tk.Batch != fixed.ID || tk.AnsweredBy != "scj-editor" || tk.AnsweredAt == nil || tk.Answer != "已核实并更正注册资本" {
		t.Fatalf("answered %+v", tk)
	}
	_, err = s.Tickets.AnswerTicket(editor, tk.ID, &pubdata.TicketAnswer{Answer: "again"})
	wantTicketCode(t, "a second answer", err, pubdata.ECONFLICT)
	if got := noticesOf(t, s, citizen, pubdata.NoticeTicketAnswered); len(got) != 1 || got[0].Link != "/account/tickets/"+tk.ID {
		t.Fatalf("the reporter's notifications: %+v", got)
	}
	// Reopened two weeks later: due five working days from then.
	s.SetNow(appNow.AddDate(0, 0, 14))
	_, err = s.Tickets.ReopenTicket(citizen, tk.ID, &pubdata.TicketReopen{Reason: " "})
	wantTicketCode(t, "reopen without a reason", err, pubdata.EINVALID)
	tk, err = s.Tickets.ReopenTicket(citizen, tk.ID, &pubdata.TicketReopen{Reason: "成立日期也有误"})
	if err != nil {
		t.Fatal(err)
	}
	if tk.Status != pubdata.TicketReopened || tk.Rounds != 1 || tk.ReopenReason != "成立日期也有误" || tk.Due != "2026-10-21" {
		t.Fatalf("reopened %+v", tk)
	}
	if got := noticesOf(t, s, editor, pubdata.NoticeTicketReopened); len(got) != 1 || !strings.Contains(locale.Notice(locale.EN, got[0].Key, got[0].Params), "2026-10-21") {
		t.Fatalf("the provider's notifications of the reopening: %+v", got)
	}
	if tk, err = s.Tickets.AnswerTicket(editor, tk.ID, &pubdata.TicketAnswer{Answer: "成立日期已更正", Batch: batch.ID}); err != nil || tk.Batch != batch.ID {
		t.Fatalf("second answer: %+v, %v", tk, err)
	}
	if tk, err = s.Tickets.ConfirmTicket(citizen, tk.ID); err != nil || tk.Status != pubdata.TicketConfirmed || tk.ConfirmedAt == nil {
		t.Fatalf("confirmed: %+v, %v", tk, err)
	}
	_, err = s.Tickets.ReopenTicket(citizen, tk.ID, &pubdata.TicketReopen{Reason: "x"})
	wantTicketCode(t, "reopen after the confirmation", err, pubdata.ECONFLICT)
	if got := noticesOf(t, s, editor, pubdata.NoticeTicketConfirmed); len(got) != 1 {
		t.Fatalf("the provider's notifications of the confirmation: %+v", got)
	}
	for action, n := range map[string]int{"ticket.create": 1, "ticket.answer": 2, "ticket.reopen": 1, "ticket.confirm": 1} {
		if got := len(eventsOf(t, s, action, "ticket:"+tk.ID)); got != n {
			t.Errorf("%s recorded %d times, want %d", action, got, n)
		}
	}
	_, err = s.Tickets.FindTicketByID(system, "no-such-ticket")
	wantTicketCode(t, "FindTicketByID of none", err, pubdata.ENOTFOUND)
}

// testTicketEscalation: tickets unanswered past their due time are escalated once to the
// admins and reviewers of the nearest covering authority and recorded; one answered in time
// and one on time are not; a second run escalates nothing; the provider still answers an
// escalated ticket, and a reopening starts a round that is escalated again when late.
func testTicketEscalation(t *testing.T, s *Store) {
	editor, provinceReviewer, e, _ := ticketSetup(t, s)
	cityAdmin := actorCtx(t, s, "fzdsj-admin", "fz-dsj", pubdata.RoleAdmin)
	cityMember := actorCtx(t, s, "fzdsj-member", "fz-dsj", pubdata.RoleMember)
	citizen := actorCtx(t, s, "citizen", "", "")
	report := func(received time.Time) *pubdata.Ticket {
		t.Helper()
		s.SetNow(received)
		defer s.SetNow(appNow)
		tk, err := s.Tickets.CreateTicket(citizen, e, &pubdata.TicketCreate{Entry: e.ID, Category: pubdata.TicketMissingData, Description: "缺少注销企业"})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	twoWeeksAgo := appNow.AddDate(0, 0, -14)
	late, answered, onTime := report(twoWeeksAgo), report(twoWeeksAgo), report(appNow)
	if _, err := s.Tickets.AnswerTicket(editor, answered.ID, &pubdata.TicketAnswer{Answer: "已补充"}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Tickets.EscalateTickets(system, appNow); err != nil || n != 1 {
		t.Fatalf("EscalateTickets = %d, %v; want 1", n, err)
	}
	if n, err := s.Tickets.EscalateTickets(system, appNow.Add(time.Minute)); err != nil || n != 0 {
		t.Fatalf("EscalateTickets again = %d, %v; want 0", n, err)
	}
	got := noticesOf(t, s, cityAdmin, pubdata.NoticeTicketOverdue)
	if len(got) != 1 || got[0].Object != "ticket:"+late.ID || !strings.Contains(locale.Notice(locale.ZH, got[0].Key, got[0].Params), "福州市市场监督管理局") ||
		!strings.Contains(locale.Notice(locale.EN, got[0].Key, got[0].Params), late.Due) {
		t.Fatalf("the covering authority's notifications: %+v", got)
	}
	for name, ctx := range map[string]context.Context{"member": cityMember, "province": provinceReviewer, "provider": editor, "reporter": citizen} {
		if got := noticesOf(t, s, ctx, pubdata.NoticeTicketOverdue); len(got) != 0 {
			t.Errorf("%s notified: %+v", name, got)
		}
	}
	if len(eventsOf(t, s, "ticket.escalate", "ticket:"+late.ID)) != 1 {
		t.Fatal("the escalation is not recorded once")
	}
	for _, id := range []string{answered.ID, onTime.ID} {
		if len(eventsOf(t, s, "ticket.escalate", "ticket:"+id)) != 0 {
			t.Fatalf("ticket %s escalated", id)
		}
	}
	tk, err := s.Tickets.FindTicketByID(system, late.ID)
	if err != nil || tk.Status != pubdata.TicketEscalated || tk.EscalatedAt == nil || !tk.Overdue {
		t.Fatalf("escalated ticket %+v, %v", tk, err)
	}
	if list, n, _, err := s.Tickets.FindTickets(system, pubdata.TicketFilter{Division: "350100", Status: pubdata.TicketEscalated}); err != nil || n != 1 || list[0].ID != late.ID {
		t.Fatalf("the division's escalated tickets: %d, %v", n, err)
	}
	// Answered late, reopened: a new round, escalated again once it is late.
	if _, err := s.Tickets.AnswerTicket(editor, late.ID, &pubdata.TicketAnswer{Answer: "已补充注销企业"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tickets.ReopenTicket(citizen, late.ID, &pubdata.TicketReopen{Reason: "仍缺 2025 年的"}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Tickets.EscalateTickets(system, appNow.Add(30*24*time.Hour)); err != nil || n != 2 {
		t.Fatalf("EscalateTickets later = %d, %v; want 2 (the reopened one and the one on time)", n, err)
	}
	if len(eventsOf(t, s, "ticket.escalate", "ticket:"+late.ID)) != 2 {
		t.Fatal("the second round's escalation is not recorded")
	}
}

// testTicketLists: FindTickets by reporter, provider, division (an authority's: its
// division and below), entry and status; those waiting for an answer first by due time.
func testTicketLists(t *testing.T, s *Store) {
	editor, _, e, _ := ticketSetup(t, s)
	citizen := actorCtx(t, s, "citizen", "", "")
	consumer := actorCtx(t, s, "gat-member", "fj-gat", pubdata.RoleMember)
	var ids []string
	for i, ctx := range []context.Context{citizen, consumer, citizen} {
		s.SetNow(appNow.Add(time.Duration(i) * time.Hour))
		tk, err := s.Tickets.CreateTicket(ctx, e, &pubdata.TicketCreate{Entry: e.ID, Category: pubdata.TicketOther, Description: fmt.Sprint("问题 ", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
	}
	s.SetNow(appNow)
	if _, err := s.Tickets.AnswerTicket(editor, ids[0], &pubdata.TicketAnswer{Answer: "已处理"}); err != nil {
		t.Fatal(err)
	}
	list := func(f pubdata.TicketFilter) []string {
		t.Helper()
		got, n, _, err := s.Tickets.FindTickets(system, f)
		if err != nil || n != len(got) {
			t.Fatalf("FindTickets(%+v) = %d of %d, %v", f, len(got), n, err)
		}
		var out []string
		for _, tk := range got {
			out = append(out, tk.ID)
		}
		return out
	}
	same := func(what string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: %v, want %v", what, got, want)
		}
	}
	same("the citizen's", list(pubdata.TicketFilter{Reporter: "citizen"}), ids[2], ids[0])
	same("the provider's", list(pubdata.TicketFilter{Provider: "fz-scj"}), ids[2], ids[1], ids[0])
	same("the city's", list(pubdata.TicketFilter{Division: "350100"}), ids[2], ids[1], ids[0])
	same("the province's", list(pubdata.TicketFilter{Division: "350000"}), ids[2], ids[1], ids[0])
	same("another city's", list(pubdata.TicketFilter{Division: "350200"}))
	same("another provider's", list(pubdata.TicketFilter{Provider: "fj-gat"}))
	same("answered", list(pubdata.TicketFilter{Status: pubdata.TicketAnswered, Entry: e.ID}), ids[0])
	if got, _, _, _ := s.Tickets.FindTickets(system, pubdata.TicketFilter{Reporter: "gat-member"}); len(got) != 1 || got[0].ReporterOrg != "fj-gat" {
		t.Errorf("the consumer's ticket: %+v", got)
	}
}

// testTicketCalendar: a ticket reported over New Year before the next year's notice is due on
// an unconfirmed date; importing the notice recounts it (moved, confirmed).
func testTicketCalendar(t *testing.T, s *Store) {
	needCalendar(t, s)
	_, reviewer, e, _ := ticketSetup(t, s)
	citizen := actorCtx(t, s, "citizen", "", "")
	s.SetNow(newYearNow)
	tk, err := s.Tickets.CreateTicket(citizen, e, &pubdata.TicketCreate{Entry: e.ID, Category: pubdata.TicketOutdated, Description: "年末数据未更新"})
	if err != nil {
		t.Fatal(err)
	}
	if tk.DueCovered {
		t.Fatalf("before the 2027 notice: %+v", tk)
	}
	ch, err := s.Calendar.ImportCalendarYear(reviewer, []byte(file2027))
	if err != nil {
		t.Fatal(err)
	}
	after, err := s.Tickets.FindTicketByID(system, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !after.DueCovered || after.Due == tk.Due || len(ch.Moved) != 1 || ch.Moved[0] != "ticket:"+tk.ID {
		t.Fatalf("after the 2027 notice: due %s (was %s) covered %v, moved %v", after.Due, tk.Due, after.DueCovered, ch.Moved)
	}
}
