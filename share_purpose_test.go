package pubdata_test

import (
	"testing"
	"time"

	"github.com/pubdata/pubdata"
)

// TestDecideAccessPurposeBinding (D4): a read under a grant names the grant's purpose, the
// grant (X-Grant) or nothing; another purpose is refused unless the entry is readable
// without the grant.
func TestDecideAccessPurposeBinding(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, pubdata.ChinaTime)
	consumer := &pubdata.Actor{User: &pubdata.User{Username: "u"}, Org: &pubdata.Org{Code: "c", Kind: pubdata.KindPublicBody, Division: "350200"}}
	entry := func(share string) *pubdata.Entry {
		e := &pubdata.Entry{ID: "e1", Org: "p"}
		e.Division, e.ShareClass, e.OpenClass = "350100", share, pubdata.ClassNone
		e.Items = []pubdata.Item{{Name: "k", Type: "string", Key: true}, {Name: "v", Type: "string"}}
		return e
	}
	g := &pubdata.Grant{ID: "g1", Kind: pubdata.KindShare, Entry: "e1", Consumer: "c", Purpose: "企业登记核验", Expires: now.Add(time.Hour)}
	g2 := &pubdata.Grant{ID: "g2", Kind: pubdata.KindShare, Entry: "e1", Consumer: "c", Purpose: "行政处罚", Expires: now.Add(time.Hour)}
	for _, tc := range []struct {
		name, share, purpose, grant string
		grants                      []*pubdata.Grant
		reason, recorded            string
	}{
		{"no purpose: the grant's", pubdata.ClassConditional, "", "", []*pubdata.Grant{g}, pubdata.AccessGrant, "企业登记核验"},
		{"the grant's purpose", pubdata.ClassConditional, " 企业登记核验 ", "", []*pubdata.Grant{g}, pubdata.AccessGrant, "企业登记核验"},
		{"another purpose", pubdata.ClassConditional, "转交第三方", "", []*pubdata.Grant{g}, pubdata.AccessWrongPurpose, ""},
		{"the second grant's purpose", pubdata.ClassConditional, "行政处罚", "", []*pubdata.Grant{g, g2}, pubdata.AccessGrant, "行政处罚"},
		{"X-Grant", pubdata.ClassConditional, "", "g1", []*pubdata.Grant{g}, pubdata.AccessGrant, "企业登记核验"},
		{"X-Grant and its purpose", pubdata.ClassConditional, "企业登记核验", "g1", []*pubdata.Grant{g}, pubdata.AccessGrant, "企业登记核验"},
		{"X-Grant and another purpose", pubdata.ClassConditional, "转交第三方", "g1", []*pubdata.Grant{g}, pubdata.AccessWrongPurpose, ""},
		{"X-Grant not held", pubdata.ClassConditional, "", "g9", []*pubdata.Grant{g}, pubdata.AccessGrantNotHeld, ""},
		{"X-Grant without grants", pubdata.ClassConditional, "", "g1", nil, pubdata.AccessGrantNotHeld, ""},
		{"unconditional: another purpose is a shared read", pubdata.ClassUnconditional, "统计分析", "", []*pubdata.Grant{g}, pubdata.AccessShared, "统计分析"},
		{"unconditional, no grant: free text", pubdata.ClassUnconditional, "统计分析", "", nil, pubdata.AccessShared, "统计分析"},
	} {
		d := pubdata.DecideAccess(pubdata.AccessRequest{Actor: consumer, Entry: entry(tc.share), Purpose: tc.purpose, Grant: tc.grant, Grants: tc.grants, Now: now})
		if d.Reason != tc.reason || d.Allow != (tc.recorded != "") || d.Purpose != tc.recorded {
			t.Errorf("%s: %+v, want reason %s purpose %q", tc.name, d, tc.reason, tc.recorded)
		}
		if !d.Allow && !pubdata.PurposeRefusal(d.Reason) {
			t.Errorf("%s: %s is not a purpose refusal", tc.name, d.Reason)
		}
	}
	// An expired grant is not held, whatever the purpose.
	old := *g
	old.Expires = now.Add(-time.Hour)
	if d := pubdata.DecideAccess(pubdata.AccessRequest{Actor: consumer, Entry: entry(pubdata.ClassConditional), Purpose: "企业登记核验", Grants: []*pubdata.Grant{&old}, Now: now}); d.Allow || d.Reason != pubdata.AccessNeedsGrant {
		t.Errorf("expired grant: %+v", d)
	}
}
