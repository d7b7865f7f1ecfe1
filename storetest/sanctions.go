package storetest

import (
	"testing"

	"github.com/pubdata/pubdata"
)

// sanctionTests cover the organisation status (F4) and the evidence records (D5, D6).
var sanctionTests = []namedTest{
	{"OrgSanctions", testOrgSanctions},
	{"SubjectEntries", testSubjectEntries},
}

func testOrgSanctions(t *testing.T, s *Store) {
	province(t, s)
	admin := authorityAdmin(t, s, "fj-dsj")
	ctx := as(admin, "req-sanction")
	o, err := s.Orgs.FindOrgByCode(system, "fz-scj")
	if err != nil || o.Status != pubdata.OrgActive || o.StatusReason != "" || o.StatusAt != nil || o.DataServiceStopped() != "" {
		t.Fatalf("new org status = %+v, %v", o, err)
	}
	// A reason is required; nothing changes without one.
	_, err = s.Orgs.SuspendOrg(ctx, "fz-scj", "  ")
	wantCode(t, err, pubdata.EINVALID)
	_, err = s.Orgs.SuspendOrg(ctx, "nope", "违规使用")
	wantCode(t, err, pubdata.ENOTFOUND)
	// Resume an active one: conflict.
	_, err = s.Orgs.ResumeOrg(ctx, "fz-scj", "恢复")
	wantCode(t, err, pubdata.ECONFLICT)

	o, err = s.Orgs.SuspendOrg(ctx, "fz-scj", "超范围使用共享数据")
	if err != nil || o.Status != pubdata.OrgSuspended || o.StatusReason != "超范围使用共享数据" || o.StatusBy != "fj-dsj-admin" || o.StatusAt == nil {
		t.Fatalf("SuspendOrg = %+v, %v", o, err)
	}
	// Stored and read back, also by the organisation list and by an actor's authentication.
	o, _ = s.Orgs.FindOrgByCode(system, "fz-scj")
	if o.Status != pubdata.OrgSuspended || o.StatusReason != "超范围使用共享数据" || o.StatusBy != "fj-dsj-admin" || o.StatusAt == nil ||
		o.DataServiceStopped() != "suspended (超范围使用共享数据)" {
		t.Fatalf("stored suspension = %+v", o)
	}
	orgs, _, _, _ := s.Orgs.FindOrgs(system, pubdata.OrgFilter{Code: "fz-scj"})
	if len(orgs) != 1 || orgs[0].Status != pubdata.OrgSuspended {
		t.Fatalf("FindOrgs = %+v", orgs)
	}
	u := mustUser(t, s, "scj-member", "fz-scj", pubdata.RoleMember)
	_, secret, err := s.Tokens.CreateToken(system, u.ID, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Tokens.AuthenticateToken(system, secret)
	if err != nil || a.Org == nil || a.Org.DataServiceStopped() == "" {
		t.Fatalf("AuthenticateToken of a suspended org's user = %+v, %v", a, err)
	}
	_, err = s.Orgs.SuspendOrg(ctx, "fz-scj", "again")
	wantCode(t, err, pubdata.ECONFLICT)

	o, err = s.Orgs.ResumeOrg(ctx, "fz-scj", "已整改")
	if err != nil || o.Status != pubdata.OrgActive || o.DataServiceStopped() != "" {
		t.Fatalf("ResumeOrg = %+v, %v", o, err)
	}
	// Terminate from active, then nothing more: termination is final.
	if o, err = s.Orgs.TerminateOrg(ctx, "fz-scj", "多次违规"); err != nil || o.Status != pubdata.OrgTerminated {
		t.Fatalf("TerminateOrg = %+v, %v", o, err)
	}
	for _, step := range []func() error{
		func() error { _, err := s.Orgs.ResumeOrg(ctx, "fz-scj", "x"); return err },
		func() error { _, err := s.Orgs.SuspendOrg(ctx, "fz-scj", "x"); return err },
		func() error { _, err := s.Orgs.TerminateOrg(ctx, "fz-scj", "x"); return err },
	} {
		wantCode(t, step(), pubdata.ECONFLICT)
	}
	if o, _ = s.Orgs.FindOrgByCode(system, "fz-scj"); o.Status != pubdata.OrgTerminated || o.StatusReason != "多次违规" {
		t.Fatalf("after refused steps: %+v", o)
	}
	// Each step is recorded with its reason, by the actor.
	evs, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "org:fz-scj"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		if e.Action != "org.create" {
			got = append(got, e.Action+":"+e.Details["reason"].(string)+":"+e.Actor)
		}
	}
	want := []string{"org.terminate:多次违规:fj-dsj-admin", "org.resume:已整改:fj-dsj-admin", "org.suspend:超范围使用共享数据:fj-dsj-admin"}
	if len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events %v, want %v", got, want)
		}
	}
}

func testSubjectEntries(t *testing.T, s *Store) {
	if s.Evidence == nil {
		t.Fatal("the store under test must provide its EvidenceService (storetest.Store)")
	}
	editor, reviewer := catalogueSetup(t, s)
	withUSCC := publish(t, s, editor, reviewer, "fz-scj", fields("企业登记信息", "企业", pubdata.ClassUnconditional, pubdata.ClassNone))
	person := fields("人员信息", "人员", pubdata.ClassConditional, pubdata.ClassNone)
	person.Items = []pubdata.Item{{Name: "sfzh", Title: "身份证号", Type: "string", Key: true, Element: "resident_id", Personal: true}, {Name: "corp", Title: "所在单位", Type: "string", Element: "uscc"}}
	withBoth := publish(t, s, editor, reviewer, "fz-scj", person)
	// A draft is not a candidate.
	if _, err := s.Entries.CreateEntry(editor, "fz-scj", "", fields("草稿", "草稿", pubdata.ClassUnconditional, pubdata.ClassNone)); err != nil {
		t.Fatal(err)
	}
	cands, err := s.Evidence.SubjectEntries(system, "uscc")
	if err != nil || len(cands) != 2 {
		t.Fatalf("SubjectEntries(uscc) = %d, %v", len(cands), err)
	}
	items := map[string]string{}
	for _, c := range cands {
		items[c.Entry.ID] = c.Item
	}
	if items[withUSCC.ID] != "uscc" || items[withBoth.ID] != "corp" {
		t.Fatalf("candidates %v", items)
	}
	cands, _ = s.Evidence.SubjectEntries(system, "resident_id")
	if len(cands) != 1 || cands[0].Entry.ID != withBoth.ID || cands[0].Item != "sfzh" || cands[0].Entry.Title != "人员信息" {
		t.Fatalf("SubjectEntries(resident_id) = %+v", cands)
	}
	// The records: a lookup with the masked key, an extract with its digest.
	ctx := as(&pubdata.Actor{User: mustUser(t, s, "gat-member", "fj-gat", pubdata.RoleMember), Org: &pubdata.Org{Code: "fj-gat", Division: "350000"}}, "req-d6")
	if err := s.Evidence.RecordSubjectLookup(ctx, "resident_id", "350102********0011", []string{withBoth.ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.Evidence.RecordExtract(ctx, &pubdata.ExtractRecord{Entry: withBoth.ID, EntryVersion: 1, Rows: 1, Columns: []string{"sfzh"}, Purpose: "办理业务", Digest: "ab12"}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.Evidence.RecordExtract(ctx, &pubdata.ExtractRecord{Entry: withBoth.ID}), pubdata.EINVALID)
	evs, _, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{Action: "subject.lookup"})
	if len(evs) != 1 || evs[0].Details["key"] != "350102********0011" || evs[0].Actor != "gat-member" || evs[0].Org != "fj-gat" {
		t.Fatalf("lookup events %+v", evs)
	}
	evs, _, _, _ = s.Audit.FindEvents(system, pubdata.AuditFilter{Action: "extract.sign"})
	if len(evs) != 1 || evs[0].Object != "entry:"+withBoth.ID || evs[0].Details["digest"] != "ab12" || evs[0].Details["purpose"] != "办理业务" {
		t.Fatalf("extract events %+v", evs)
	}
}
