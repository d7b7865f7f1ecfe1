package pubdata

import (
	"strings"
	"unicode/utf8"
)

// Sanctions (F4): the authority suspends an organisation's data service, resumes it, or
// terminates it for good. While stopped, every grant and token of the organisation stops
// (the http layer refuses its data routes with the reason; DecideAccess refuses reads).
//
//	active ──suspend──▶ suspended ──resume──▶ active
//	   └───────terminate──────┴──▶ terminated (final)

// OrgAction is a step of an organisation's data service.
type OrgAction string

// Sanction steps.
const (
	OrgSuspend   OrgAction = "suspend"
	OrgResume    OrgAction = "resume"
	OrgTerminate OrgAction = "terminate"
)

// OrgActions lists the sanction steps.
var OrgActions = []OrgAction{OrgSuspend, OrgResume, OrgTerminate}

// MaxSanctionReason bounds a sanction's reason, in characters.
const MaxSanctionReason = 1000

// NextOrgStatus returns the status after action from status ("" is active), or ECONFLICT
// naming why the step is not possible: termination is final.
func NextOrgStatus(status string, action OrgAction) (string, error) {
	if status == "" {
		status = OrgActive
	}
	if status == OrgTerminated {
		return "", Errorf(ECONFLICT, "The organisation's data service was terminated; termination is final and cannot be %s.", orgActionPast(action)).
			Keyed("error.sanction.terminated", "Action", orgActionMessage(action))
	}
	switch {
	case action == OrgSuspend && status == OrgActive:
		return OrgSuspended, nil
	case action == OrgSuspend:
		return "", Errorf(ECONFLICT, "The organisation's data service is already suspended.").Keyed("error.sanction.already_suspended")
	case action == OrgResume && status == OrgSuspended:
		return OrgActive, nil
	case action == OrgResume:
		return "", Errorf(ECONFLICT, "The organisation's data service is not suspended; only a suspended service can be resumed.").Keyed("error.sanction.not_suspended")
	case action == OrgTerminate:
		return OrgTerminated, nil
	}
	return "", Errorf(EINVALID, "Unknown step %q: use suspend, resume or terminate.", action).Keyed("error.sanction.step.unknown", "Step", action)
}

// orgActionMessage is orgActionPast as a message.
func orgActionMessage(a OrgAction) *Message {
	if k, ok := map[OrgAction]string{OrgSuspend: "error.sanction.step.suspend", OrgResume: "error.sanction.step.resume", OrgTerminate: "error.sanction.step.terminate"}[a]; ok {
		return NewMessage(k)
	}
	return NewMessage("error.sentence", "Text", orgActionPast(a))
}

func orgActionPast(a OrgAction) string {
	switch a {
	case OrgSuspend:
		return "suspended"
	case OrgResume:
		return "resumed"
	case OrgTerminate:
		return "terminated again"
	}
	return string(a)
}

// ValidateSanctionReason trims and checks a sanction's reason: required, at most
// MaxSanctionReason characters.
func ValidateSanctionReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return "", FieldErrorf("reason", "A reason is required: the organisation is shown it.").Keyed("error.sanction.reason.required")
	case utf8.RuneCountInString(reason) > MaxSanctionReason:
		return "", FieldErrorf("reason", "The reason must be at most %d characters.", MaxSanctionReason).Keyed("error.sanction.reason.too_long", "Max", MaxSanctionReason)
	}
	return reason, nil
}

// CanSanctionOrg reports whether the actor may suspend, resume or terminate the
// organisation's data service: an authority's administrator whose division covers the
// organisation's, never on its own organisation.
func CanSanctionOrg(a *Actor, o *Org) bool {
	return IsSanctioner(a) && o != nil && a.Org.Code != o.Code && DivisionCovers(a.Org.Division, o.Division)
}

// IsSanctioner reports whether the actor sanctions organisations at all: an authority's
// administrator (CanSanctionOrg says which).
func IsSanctioner(a *Actor) bool { return a.IsAuthority() && a.Role() == RoleAdmin }
