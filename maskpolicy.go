package pubdata

import (
	"context"
	"fmt"
	"slices"
	"strconv"
)

// Mask policies (G2): the authority sets the platform's mapping from a data item's grade to
// the mask of shared and open reads; a provider may set a stricter one for its own entries,
// never a looser one. An entry's reads use the stricter of the two (EffectiveMaskPolicy).

// MaxGrade is the highest grade of a data item (grades are 0, not graded, to MaxGrade).
const MaxGrade = 4

// MaskStrictness orders the mask kinds from none (0) to hide (3); -1 for an unknown kind.
func MaskStrictness(m string) int { return slices.Index(MaskKinds, m) }

// Mask returns the policy's mask of grade g (none when the policy does not name it).
func (p MaskPolicy) Mask(g int) string {
	if m, ok := p[g]; ok && m != "" {
		return m
	}
	return MaskNone
}

// ValidateMaskPolicy checks a policy: grades 0–MaxGrade only, each mapped to one of
// MaskKinds. Every problem names its grade (field "policy.<grade>").
func ValidateMaskPolicy(p MaskPolicy) error {
	if len(p) == 0 {
		return FieldErrorf("policy", "The policy maps no grade to a mask; give the mask of grades 0 to %d.", MaxGrade).Keyed("error.mask.empty", "Max", MaxGrade)
	}
	var problems []*Error
	grades := make([]int, 0, len(p))
	for g := range p {
		grades = append(grades, g)
	}
	slices.Sort(grades)
	for _, g := range grades {
		field := "policy." + strconv.Itoa(g)
		switch {
		case g < 0 || g > MaxGrade:
			problems = append(problems, FieldErrorf(field, "Grade %d is not a grade: grades are 0 (not graded) to %d.", g, MaxGrade).Keyed("error.mask.grade", "Grade", g, "Max", MaxGrade))
		case MaskStrictness(p[g]) < 0:
			problems = append(problems, FieldErrorf(field, "The mask %q of grade %d is not one of none, partial, full, hide.", p[g], g).Keyed("error.mask.kind", "Mask", p[g], "Grade", g))
		}
	}
	return invalid(problems)
}

// CompleteMaskPolicy returns p with the grades it does not name taken from base.
func CompleteMaskPolicy(p, base MaskPolicy) MaskPolicy {
	out := MaskPolicy{}
	for g := 0; g <= MaxGrade; g++ {
		if m, ok := p[g]; ok && m != "" {
			out[g] = m
		} else {
			out[g] = base.Mask(g)
		}
	}
	return out
}

// CheckMaskPolicyNotLooser returns EINVALID naming each grade for which the provider's policy
// shows more than the platform's (a provider may only make its own entries stricter).
func CheckMaskPolicyNotLooser(provider, platform MaskPolicy) error {
	var problems []*Error
	for g := 0; g <= MaxGrade; g++ {
		m, ok := provider[g]
		if !ok {
			continue
		}
		if MaskStrictness(m) < MaskStrictness(platform.Mask(g)) {
			problems = append(problems, FieldErrorf("policy."+strconv.Itoa(g),
				"Grade %d: %s is looser than the platform's %s; a provider's policy may only be stricter.", g, m, platform.Mask(g)).Keyed("error.mask.looser", "Grade", g, "Mask", NewMessage("mask.kind."+string(m)), "Platform", NewMessage("mask.kind."+string(platform.Mask(g)))))
		}
	}
	return invalid(problems)
}

// EffectiveMaskPolicy is the policy of a provider's entries: for each grade the stricter of
// the platform's (DefaultMaskPolicy when nil) and the provider's (nil: none of its own).
func EffectiveMaskPolicy(platform, provider MaskPolicy) MaskPolicy {
	if platform == nil {
		platform = DefaultMaskPolicy
	}
	out := MaskPolicy{}
	for g := 0; g <= MaxGrade; g++ {
		m := platform.Mask(g)
		if pm, ok := provider[g]; ok && MaskStrictness(pm) > MaskStrictness(m) {
			m = pm
		}
		out[g] = m
	}
	return out
}

// CanSetMaskPolicy reports whether the actor may set the mask policy of org: the platform's
// (org "") by an admin of the platform's authority (IsPlatformAuthority), a provider's by
// its own admins.
func CanSetMaskPolicy(a *Actor, org string) bool {
	if org == "" {
		return IsPlatformAuthority(a) && a.Role() == RoleAdmin
	}
	return a.OrgCode() == org && a.Role() == RoleAdmin
}

// MaskPolicyObject is the record's object of a policy ("mask_policy:platform" or
// "mask_policy:<org>").
func MaskPolicyObject(org string) string {
	if org == "" {
		return "mask_policy:platform"
	}
	return fmt.Sprintf("mask_policy:%s", org)
}

// MaskPolicyService keeps the mask policies. Authorisation is the caller's (CanSetMaskPolicy).
type MaskPolicyService interface {
	// Find returns the policy of org: the platform's for "" (DefaultMaskPolicy until the
	// authority sets one); a provider's own, or nil when it has none.
	Find(ctx context.Context, org string) (MaskPolicy, error)
	// Effective returns the policy of a provider's reads: EffectiveMaskPolicy of the
	// platform's and the provider's, read together (every read asks).
	Effective(ctx context.Context, org string) (MaskPolicy, error)
	// Set validates and stores the policy of org ("" the platform), completing the grades it
	// does not name from the platform's, and records "mask_policy.set". EINVALID for a bad
	// policy, or a provider's looser than the platform's; ENOTFOUND for an unknown org.
	Set(ctx context.Context, org string, p MaskPolicy) (MaskPolicy, error)
}
