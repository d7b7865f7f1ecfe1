package storetest

import (
	"testing"

	"github.com/pubdata/pubdata"
)

var openPolicyTests = []namedTest{
	{"OpenRiskOverrideRecorded", testOpenRiskOverrideRecorded},
	{"OpenApplicationMajorInterestAndTerms", testOpenApplicationMajorInterestAndTerms},
}

// The authority's override of the pre-open check is recorded with the approval's event.
func testOpenRiskOverrideRecorded(t *testing.T, s *Store) {
	editor, reviewer := catalogueSetup(t, s)
	f := companyFields()
	f.Items = append(f.Items, pubdata.Item{Name: "legal_rep", Title: "法定代表人", Type: "string", Element: "name"})
	e, err := s.Entries.CreateEntry(editor, "fz-scj", "", f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Entries.SubmitEntry(editor, e.ID); err != nil {
		t.Fatal(err)
	}
	risk := pubdata.CheckOpenRisk(&e.EntryFields, nil, nil, pubdata.ValueTests{})
	if !risk.Blocks {
		t.Fatalf("the check does not block: %+v", risk)
	}
	_, err = s.Entries.ApproveEntryOverride(reviewer, e.ID, "", &pubdata.OpenRiskOverride{Reason: " "})
	wantCode(t, err, pubdata.EINVALID)
	if got, _ := s.Entries.FindEntryByID(system, e.ID); got.Status != pubdata.StatusSubmitted {
		t.Fatalf("an override without a reason changed the entry: %s", got.Status)
	}
	got, err := s.Entries.ApproveEntryOverride(reviewer, e.ID, "ok", &pubdata.OpenRiskOverride{Reason: "法定代表人依法公示", Findings: risk.InClear()})
	if err != nil || got.Status != pubdata.StatusPublished || got.Version != 1 {
		t.Fatalf("override: %+v %v", got, err)
	}
	evs, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "entry:" + e.ID})
	if err != nil {
		t.Fatal(err)
	}
	var approval *pubdata.Event
	for _, ev := range evs {
		if ev.Action == "entry.approve" {
			approval = ev
		}
	}
	if approval == nil {
		t.Fatalf("no approval event in %+v", evs)
	}
	o, ok := approval.Details["open_risk_override"].(map[string]any)
	if !ok || o["reason"] != "法定代表人依法公示" {
		t.Fatalf("override not recorded: %+v", approval.Details)
	}
	if fs, ok := o["findings"].([]any); !ok || len(fs) != 1 || fs[0].(map[string]any)["item"] != "legal_rep" {
		t.Fatalf("findings not recorded: %+v", o["findings"])
	}
}

// SX27: an open application for a not-open entry keeps the major interest; the usage
// agreement accepted is recorded with the application.
func testOpenApplicationMajorInterestAndTerms(t *testing.T, s *Store) {
	fx := appSetup(t, s)
	editor, reviewer := fx.provEd, fx.provAuth
	f := companyFields()
	f.Title = "企业年报（不予开放）"
	f.ShareClass, f.ShareConditions = pubdata.ClassConditional, "仅限履行法定职责使用"
	f.OpenClass, f.OpenBasis = pubdata.ClassNone, "含商业秘密"
	f.Terms, f.TermsText = []string{pubdata.TermNoOnwardTransfer, pubdata.TermAttribution}, "仅用于诉讼"
	e := publish(t, s, editor, reviewer, "fz-scj", f)
	p, err := s.Entries.FindPublishedEntry(system, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	c := &pubdata.ApplicationCreate{Entry: p.ID, Kind: pubdata.KindOpen, Purpose: "诉讼取证", Basis: "本企业的年报", Until: "2027-03-31", DemandType: "personal"}
	_, err = s.Applications.CreateApplication(fx.citizenCx, p, c)
	if fields := pubdata.ErrorFields(err); fields["major_interest"] == nil || fields["accept_terms"] == nil {
		t.Fatalf("without major interest and acceptance: %v", err)
	}
	c.MajorInterest, c.AcceptTerms = "本企业为数据主体", true
	app := mustApply(t, s, fx.citizenCx, p, c)
	got, err := s.Applications.FindApplicationByID(system, app.ID)
	if err != nil || got.MajorInterest != "本企业为数据主体" || got.DemandType != "personal" || !got.AcceptTerms {
		t.Fatalf("stored %+v %v", got, err)
	}
	evs, _, _, _ := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "application:" + app.ID})
	if len(evs) != 1 || evs[0].Details["accept_terms"] != true || evs[0].Details["terms_text"] != "仅用于诉讼" || evs[0].Details["major_interest"] != "本企业为数据主体" {
		t.Fatalf("record %+v", evs)
	}
	// The approval makes an open grant that DecideAccess honours for the not-open entry.
	d, err := s.Applications.DecideApplication(fx.provider, app.ID, &pubdata.ApplicationDecision{Decision: "approve", Until: "2026-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	gs, _ := s.Applications.LiveGrants(system, pubdata.ActorFromContext(fx.citizenCx), p.ID, appNow)
	if len(gs) != 1 || gs[0].ID != d.Grant {
		t.Fatalf("live grants %+v", gs)
	}
	if dec := pubdata.DecideAccess(pubdata.AccessRequest{Actor: pubdata.ActorFromContext(fx.citizenCx), Entry: p, Grants: gs, Now: appNow}); !dec.Allow {
		t.Fatalf("access %+v", dec)
	}
}
