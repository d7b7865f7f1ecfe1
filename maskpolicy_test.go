package pubdata

import "testing"

func TestValidateMaskPolicy(t *testing.T) {
	tests := []struct {
		p      MaskPolicy
		fields []string
	}{
		{MaskPolicy{0: MaskNone, 4: MaskHide}, nil},
		{MaskPolicy{}, []string{"policy"}},
		{MaskPolicy{5: MaskFull, -1: MaskNone, 2: "blur"}, []string{"policy.-1", "policy.2", "policy.5"}},
	}
	for _, tt := range tests {
		err := ValidateMaskPolicy(tt.p)
		got := ErrorFields(err)
		if len(tt.fields) == 0 {
			if err != nil {
				t.Errorf("%v: %v", tt.p, err)
			}
			continue
		}
		if ErrorCode(err) != EINVALID {
			t.Errorf("%v: %v, want invalid", tt.p, err)
		}
		if len(tt.fields) > 1 && len(got) != len(tt.fields) {
			t.Errorf("%v: fields %v, want %v", tt.p, got, tt.fields)
		}
		for _, f := range tt.fields[1:] {
			if got[f] == nil {
				t.Errorf("%v: no problem for %s: %v", tt.p, f, err)
			}
		}
	}
}

func TestMaskPolicyStrictness(t *testing.T) {
	platform := MaskPolicy{0: MaskNone, 1: MaskNone, 2: MaskPartial, 3: MaskFull, 4: MaskHide}
	if err := CheckMaskPolicyNotLooser(MaskPolicy{1: MaskPartial, 2: MaskFull, 4: MaskHide}, platform); err != nil {
		t.Errorf("stricter: %v", err)
	}
	err := CheckMaskPolicyNotLooser(MaskPolicy{2: MaskNone, 3: MaskPartial, 1: MaskHide}, platform)
	if f := ErrorFields(err); len(f) != 2 || f["policy.2"] == nil || f["policy.3"] == nil {
		t.Errorf("looser: %v", err)
	}
	eff := EffectiveMaskPolicy(platform, MaskPolicy{1: MaskFull, 2: MaskNone})
	want := MaskPolicy{0: MaskNone, 1: MaskFull, 2: MaskPartial, 3: MaskFull, 4: MaskHide}
	for g := 0; g <= MaxGrade; g++ {
		if eff[g] != want[g] {
			t.Errorf("effective %v, want %v", eff, want)
			break
		}
	}
	if eff := EffectiveMaskPolicy(nil, nil); eff.Mask(3) != MaskPartial || eff.Mask(4) != MaskHide {
		t.Errorf("default effective: %v", eff)
	}
	if c := CompleteMaskPolicy(MaskPolicy{1: MaskFull}, platform); c[1] != MaskFull || c[3] != MaskFull || len(c) != MaxGrade+1 {
		t.Errorf("complete: %v", c)
	}
}

func TestCanSetMaskPolicy(t *testing.T) {
	auth := &Org{Code: "fj-dsj", Kind: KindAuthority, Division: "350000"}
	body := &Org{Code: "fj-gat", Kind: KindPublicBody, Division: "350000"}
	actor := func(o *Org, r Role) *Actor { return &Actor{User: &User{Username: "u", Role: r}, Org: o} }
	tests := []struct {
		a    *Actor
		org  string
		want bool
	}{
		{actor(auth, RoleAdmin), "", true},
		{actor(auth, RoleReviewer), "", false},
		{actor(body, RoleAdmin), "", false},
		{actor(body, RoleAdmin), "fj-gat", true},
		{actor(body, RoleEditor), "fj-gat", false},
		{actor(body, RoleAdmin), "xm-scj", false},
		{actor(auth, RoleAdmin), "fj-gat", false},
		{&Actor{}, "", false},
	}
	for i, tt := range tests {
		if got := CanSetMaskPolicy(tt.a, tt.org); got != tt.want {
			t.Errorf("%d: CanSetMaskPolicy(%s) = %v", i, tt.org, got)
		}
	}
}
