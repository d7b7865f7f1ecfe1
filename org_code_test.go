package pubdata

import "testing"

// TestValidateOrgReservedCode: a local organisation may not take a code of the form peer
// platforms' organisations are kept under (fed + six-digit division + "-"); codes that only
// look alike may.
func TestValidateOrgReservedCode(t *testing.T) {
	for code, reserved := range map[string]bool{
		FederatedOrgCode("350100", "fz-scj"): true,
		"fed350100-x":                        true,
		"fed-scj":                            false,
		"fed35010-x":                         false,
		"federal-bureau":                     false,
		"fz-scj":                             false,
	} {
		err := ValidateOrg(&Org{Code: code, Name: "某单位"})
		if got := ErrorFields(err)["code"] != nil; got != reserved {
			t.Errorf("ValidateOrg(%q): code refused %v, want %v (%v)", code, got, reserved, err)
		}
	}
}
