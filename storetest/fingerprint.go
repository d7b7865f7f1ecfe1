package storetest

import (
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

// fingerprintTests cover leak tracing's store parts (issue 15 item 7): the recipients of
// fingerprinted copies, written with the read's record in its transaction; the items a
// provider keeps unmarked; the record of traces.
var fingerprintTests = []namedTest{
	{"FingerprintRecipients", testFingerprintRecipients},
	{"FingerprintExclusions", testFingerprintExclusions},
}

func testFingerprintRecipients(t *testing.T, s *Store) {
	if s.Fingerprints == nil {
		t.Fatal("the store keeps no fingerprint recipients")
	}
	s.SetNow(appNow)
	_, reviewer, e := dataSetup(t, s)
	u := mustUser(t, s, "xm-member", "xm-scj", pubdata.RoleMember)
	xm, _ := s.Orgs.FindOrgByCode(system, "xm-scj")
	consumer := as(&pubdata.Actor{User: u, Org: xm}, "r-xm")
	for i, d := range []map[string]any{
		{"path": "rows", "format": "csv", "fingerprint": "org:xm-scj", "grant": "g1"},
		{"path": "rows", "format": "csv", "fingerprint": "org:xm-scj", "grant": "g1"},
		{"path": "rows", "format": "xlsx", "fingerprint": "org:xm-scj", "grant": "g2"},
		{"path": "rows", "format": "csv"}, // not fingerprinted: no recipient
	} {
		s.SetNow(appNow.Add(time.Duration(i) * time.Minute))
		if err := s.Data.RecordRead(consumer, e, d); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := s.Fingerprints.Recipients(system, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Recipient != "org:xm-scj" || rs[0].Grant != "g1" || rs[0].Reads != 2 || rs[0].Org != "xm-scj" || rs[0].Username != "xm-member" ||
		!rs[0].FirstAt.Equal(appNow) || !rs[0].LastAt.Equal(appNow.Add(time.Minute)) || rs[1].Grant != "g2" || rs[1].Reads != 1 {
		t.Fatalf("recipients: %+v", rs)
	}
	if ids, err := s.Fingerprints.Entries(system, 10); err != nil || len(ids) != 1 || ids[0] != e.ID {
		t.Fatalf("entries: %v %v", ids, err)
	}
	if rs, _ := s.Fingerprints.Recipients(system, "no-such-entry"); len(rs) != 0 {
		t.Errorf("another entry's recipients: %+v", rs)
	}
	if err := s.Fingerprints.RecordTrace(reviewer, e, map[string]any{"accused": "org:xm-scj", "p": 1e-40}); err != nil {
		t.Fatal(err)
	}
	evs, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "entry:" + e.ID, Action: "fingerprint.trace", Limit: 10})
	if err != nil || len(evs) != 1 || evs[0].Actor != "dsj-reviewer" || evs[0].Details["accused"] != "org:xm-scj" {
		t.Fatalf("trace event: %+v %v", evs, err)
	}
}

func testFingerprintExclusions(t *testing.T, s *Store) {
	if s.Fingerprints == nil {
		t.Fatal("the store keeps no fingerprint exclusions")
	}
	s.SetNow(appNow)
	editor, reviewer, e := dataSetup(t, s)
	if ex, err := s.Fingerprints.Excluded(system, e.ID); err != nil || len(ex) != 0 {
		t.Fatalf("none excluded at first: %v %v", ex, err)
	}
	if err := s.Fingerprints.SetExcluded(editor, e, []string{"staff", "capital", "staff"}); err != nil {
		t.Fatal(err)
	}
	if ex, _ := s.Fingerprints.Excluded(system, e.ID); len(ex) != 2 || ex[0] != "capital" || ex[1] != "staff" {
		t.Fatalf("excluded: %v", ex)
	}
	if err := s.Fingerprints.SetExcluded(editor, e, []string{"nope"}); pubdata.ErrorCode(err) != pubdata.EINVALID {
		t.Errorf("an item not of the entry: %v", err)
	}
	if err := s.Fingerprints.SetExcluded(reviewer, e, nil); pubdata.ErrorCode(err) != pubdata.EFORBIDDEN {
		t.Errorf("the authority sets the provider's exclusions: %v", err)
	}
	if err := s.Fingerprints.SetExcluded(editor, e, []string{"capital"}); err != nil {
		t.Fatal(err)
	}
	if ex, _ := s.Fingerprints.Excluded(system, e.ID); len(ex) != 1 || ex[0] != "capital" {
		t.Fatalf("replaced: %v", ex)
	}
	evs, _, _, err := s.Audit.FindEvents(system, pubdata.AuditFilter{Object: "entry:" + e.ID, Action: "fingerprint.exclude", Limit: 10})
	if err != nil || len(evs) != 2 {
		t.Fatalf("exclusions recorded: %d %v", len(evs), err)
	}
}
