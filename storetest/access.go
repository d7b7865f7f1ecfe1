package storetest

import (
	"reflect"
	"testing"

	"github.com/pubdata/pubdata"
)

// accessTests cover the stores behind DecideAccess's enforcement: mask policies, the
// records of reads and full text limited to the reader's columns.
var accessTests = []namedTest{
	{"MaskPolicies", testMaskPolicies},
	{"MaskPolicyProviderNotLooser", testMaskPolicyProviderNotLooser},
	{"DataRecordRead", testDataRecordRead},
	{"DataSearchColumns", testDataSearchColumns},
}

func testMaskPolicies(t *testing.T, s *Store) {
	if s.MaskPolicies == nil {
		t.Fatal("the store under test must provide its mask policies (storetest.Store)")
	}
	editor, reviewer := catalogueSetup(t, s)
	p, err := s.MaskPolicies.Find(system, "")
	if err != nil {
		t.Fatal(err)
	}
	for g := 0; g <= pubdata.MaxGrade; g++ {
		if p.Mask(g) != pubdata.DefaultMaskPolicy.Mask(g) {
			t.Fatalf("platform's policy before any is set = %v, want the default", p)
		}
	}
	if p, err := s.MaskPolicies.Find(system, "fz-scj"); err != nil || p != nil {
		t.Fatalf("provider without a policy = %v, %v; want nil", p, err)
	}
	// Bad policies: nothing written.
	_, err = s.MaskPolicies.Set(reviewer, "", pubdata.MaskPolicy{3: "blur", 7: pubdata.MaskFull})
	wantCode(t, err, pubdata.EINVALID)
	if f := pubdata.ErrorFields(err); len(f) != 2 || f["policy.3"] == nil || f["policy.7"] == nil {
		t.Fatalf("fields of a bad policy = %v", f)
	}
	_, err = s.MaskPolicies.Set(reviewer, "", pubdata.MaskPolicy{})
	wantCode(t, err, pubdata.EINVALID)
	_, err = s.MaskPolicies.Set(reviewer, "no-such-org", pubdata.MaskPolicy{4: pubdata.MaskHide})
	wantCode(t, err, pubdata.ENOTFOUND)
	if evs := eventsOf(t, s, "mask_policy.set", ""); len(evs) != 0 {
		t.Fatalf("refused sets were recorded: %d", len(evs))
	}
	// The platform's: grades not named keep the platform's masks.
	got, err := s.MaskPolicies.Set(reviewer, "", pubdata.MaskPolicy{2: pubdata.MaskPartial, 4: pubdata.MaskFull})
	if err != nil {
		t.Fatal(err)
	}
	want := pubdata.MaskPolicy{0: pubdata.MaskNone, 1: pubdata.MaskNone, 2: pubdata.MaskPartial, 3: pubdata.MaskPartial, 4: pubdata.MaskFull}
	for g := 0; g <= pubdata.MaxGrade; g++ {
		if got[g] != want[g] {
			t.Fatalf("set platform = %v, want %v", got, want)
		}
	}
	p, err = s.MaskPolicies.Find(system, "")
	if err != nil || p[2] != pubdata.MaskPartial || p[4] != pubdata.MaskFull || len(p) != pubdata.MaxGrade+1 {
		t.Fatalf("platform after set = %v, %v", p, err)
	}
	evs := eventsOf(t, s, "mask_policy.set", "mask_policy:platform")
	if len(evs) != 1 || evs[0].Actor != "dsj-reviewer" || evs[0].Details["org"] != "" {
		t.Fatalf("record of the platform's set = %+v", evs)
	}
	// A provider's own, stricter.
	if _, err := s.MaskPolicies.Set(editor, "fz-scj", pubdata.MaskPolicy{3: pubdata.MaskHide}); err != nil {
		t.Fatal(err)
	}
	own, err := s.MaskPolicies.Find(system, "fz-scj")
	if err != nil || own[3] != pubdata.MaskHide || own[2] != pubdata.MaskPartial || own[1] != pubdata.MaskNone {
		t.Fatalf("provider's policy = %v, %v", own, err)
	}
	eff := pubdata.EffectiveMaskPolicy(p, own)
	if eff[3] != pubdata.MaskHide || eff[4] != pubdata.MaskFull {
		t.Fatalf("effective = %v", eff)
	}
	// Effective reads both in one go, with the same result; a provider without a policy of
	// its own gets the platform's.
	if got, err := s.MaskPolicies.Effective(system, "fz-scj"); err != nil || !reflect.DeepEqual(got, eff) {
		t.Fatalf("Effective(fz-scj) = %v, %v; want %v", got, err, eff)
	}
	if got, err := s.MaskPolicies.Effective(system, "fz-dsj"); err != nil || !reflect.DeepEqual(got, pubdata.EffectiveMaskPolicy(p, nil)) {
		t.Fatalf("Effective(fz-dsj) = %v, %v", got, err)
	}
	if evs := eventsOf(t, s, "mask_policy.set", "mask_policy:fz-scj"); len(evs) != 1 || evs[0].Actor != "scj-editor" {
		t.Fatalf("record of the provider's set = %+v", evs)
	}
}

func testMaskPolicyProviderNotLooser(t *testing.T, s *Store) {
	if s.MaskPolicies == nil {
		t.Fatal("the store under test must provide its mask policies (storetest.Store)")
	}
	editor, reviewer := catalogueSetup(t, s)
	if _, err := s.MaskPolicies.Set(reviewer, "", pubdata.MaskPolicy{2: pubdata.MaskPartial}); err != nil {
		t.Fatal(err)
	}
	_, err := s.MaskPolicies.Set(editor, "fz-scj", pubdata.MaskPolicy{2: pubdata.MaskNone, 4: pubdata.MaskFull})
	wantCode(t, err, pubdata.EINVALID)
	if f := pubdata.ErrorFields(err); len(f) != 2 || f["policy.2"] == nil || f["policy.4"] == nil { // the default hides grade 4
		t.Fatalf("fields of a looser policy = %v (%v)", f, err)
	}
	if p, err := s.MaskPolicies.Find(system, "fz-scj"); err != nil || p != nil {
		t.Fatalf("a refused policy was stored: %v, %v", p, err)
	}
	// The platform later made stricter than a provider's: the stricter still applies.
	if _, err := s.MaskPolicies.Set(editor, "fz-scj", pubdata.MaskPolicy{2: pubdata.MaskFull}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MaskPolicies.Set(reviewer, "", pubdata.MaskPolicy{1: pubdata.MaskHide}); err != nil {
		t.Fatal(err)
	}
	platform, _ := s.MaskPolicies.Find(system, "")
	own, _ := s.MaskPolicies.Find(system, "fz-scj")
	if eff := pubdata.EffectiveMaskPolicy(platform, own); eff[1] != pubdata.MaskHide || eff[2] != pubdata.MaskFull {
		t.Fatalf("effective = %v", eff)
	}
}

func testDataRecordRead(t *testing.T, s *Store) {
	editor, _, e := dataSetup(t, s)
	ctx := as(pubdata.ActorFromContext(editor), "r-read")
	if err := s.Data.RecordRead(ctx, e, map[string]any{"format": "csv", "columns": []string{"uscc", "name"}, "rows": 3}); err != nil {
		t.Fatal(err)
	}
	evs := eventsOf(t, s, "data.read", "entry:"+e.ID)
	if len(evs) != 1 {
		t.Fatalf("data.read events = %d", len(evs))
	}
	ev := evs[0]
	if ev.Actor != "scj-editor" || ev.Purpose != "testing" || ev.RequestID != "r-read" || ev.Details["format"] != "csv" ||
		ev.Details["provider"] != "fz-scj" || ev.Details["rows"] != float64(3) {
		t.Fatalf("data.read = %+v", ev)
	}
}

func testDataSearchColumns(t *testing.T, s *Store) {
	editor, _, e := dataSetup(t, s)
	load(t, s, editor, e, pubdata.LoadOptions{},
		row(1, uA, "福州甲公司", 10.0, int64(5), true, "2020-01-02"),
		row(2, uB, "厦门乙公司", 20.0, int64(6), true, "2021-01-02"))
	// _q over every string column finds a USCC; limited to name, it does not.
	wantRows(t, current(t, s, e, &pubdata.RowQuery{Q: "XXXXB", Fields: []string{"uscc"}}), uB)
	wantRows(t, current(t, s, e, &pubdata.RowQuery{Q: "XXXXB", Fields: []string{"uscc"}, SearchColumns: []string{"name"}}))
	wantRows(t, current(t, s, e, &pubdata.RowQuery{Q: "福州", Fields: []string{"uscc"}, SearchColumns: []string{"name"}}), uA)
	wantRows(t, current(t, s, e, &pubdata.RowQuery{Q: "福州", Fields: []string{"uscc"}, SearchColumns: []string{}}))
	n, err := s.Rows.CountRows(system, e, &pubdata.RowQuery{Q: "XXXX", SearchColumns: []string{"name"}})
	if err != nil || n != 0 {
		t.Fatalf("count searching name only = %d, %v", n, err)
	}
}
