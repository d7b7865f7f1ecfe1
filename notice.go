package pubdata

import "fmt"

// Who is notified of what. Every notification names the parties of its event; NoticeRules
// says which of their users receive it. The stores write what this returns and decide
// nothing themselves.

// NoticeParties are the parties of a notification's event.
type NoticeParties struct {
	// User is the person concerned: the applicant, the filer, the requester, the author.
	User string
	// Provider is the organisation whose entry it is.
	Provider string
	// Authorities are the covering authority (or, for the calendar, every authority).
	Authorities []string
}

// Recipient is who receives a notification: one user, or the users of an organisation
// with a role ("" every role).
type Recipient struct {
	User string
	Org  string
	Role Role
}

// Recipient sets the rules are made of.
func toUser(p NoticeParties) []Recipient {
	if p.User == "" {
		return nil
	}
	return []Recipient{{User: p.User}}
}

func roles(org string, rs ...Role) []Recipient {
	if org == "" {
		return nil
	}
	out := make([]Recipient, 0, len(rs))
	for _, r := range rs {
		out = append(out, Recipient{Org: org, Role: r})
	}
	return out
}

// deciders are an organisation's admins and reviewers.
func deciders(org string) []Recipient { return roles(org, RoleAdmin, RoleReviewer) }

func authorityDeciders(p NoticeParties) []Recipient {
	var out []Recipient
	for _, a := range p.Authorities {
		out = append(out, deciders(a)...)
	}
	return out
}

// NoticeRules maps each notification key to its recipients.
var NoticeRules = map[string]func(NoticeParties) []Recipient{
	NoticeApplicationNew:      func(p NoticeParties) []Recipient { return deciders(p.Provider) },
	NoticeApplicationApproved: toUser,
	NoticeApplicationRejected: toUser,
	NoticeApplicationDisputed: authorityDeciders,
	NoticeApplicationOverdue: func(p NoticeParties) []Recipient {
		return append(authorityDeciders(p), deciders(p.Provider)...)
	},
	NoticeGrantRevoked: toUser,
	// A holder: the person (User), or the company's admins (Provider: the holder company).
	NoticeCertificateLaw: func(p NoticeParties) []Recipient {
		return append(toUser(p), roles(p.Provider, RoleAdmin)...)
	},
	NoticeIdentityRevoked: toUser,
	NoticeObjectionNew: func(p NoticeParties) []Recipient {
		return roles(p.Provider, RoleAdmin, RoleEditor, RoleReviewer)
	},
	NoticeObjectionResolved: toUser,
	NoticeObjectionOverdue:  authorityDeciders,
	NoticeDemandNew:         authorityDeciders,
	NoticeDemandRouted: func(p NoticeParties) []Recipient {
		return roles(p.Provider, RoleAdmin, RoleReviewer, RoleEditor)
	},
	NoticeDemandForward:   toUser,
	NoticeDemandPlanned:   toUser,
	NoticeDemandAnswered:  toUser,
	NoticeDemandDeclined:  toUser,
	NoticeCommentPending:  authorityDeciders,
	NoticeCommentReported: authorityDeciders,
	NoticeCommentRejected: toUser,
	NoticeCalendarEnding: func(p NoticeParties) []Recipient {
		var out []Recipient
		for _, a := range p.Authorities {
			out = append(out, roles(a, RoleAdmin)...)
		}
		return out
	},
	NoticeTicketNew:       ticketProvider,
	NoticeTicketAnswered:  toUser,
	NoticeTicketReopened:  ticketProvider,
	NoticeTicketConfirmed: ticketProvider,
	NoticeTicketOverdue:   authorityDeciders,
	NoticeSecurityAlert:   securityParties,
	NoticeIncidentReport:  securityParties,
	NoticeIncidentNotify:  securityParties,
}

// securityParties are the unit's admins (its security officers' stand-ins) and the covering
// authority's admins and reviewers.
func securityParties(p NoticeParties) []Recipient {
	out := append(roles(p.Provider, RoleAdmin), authorityDeciders(p)...)
	if p.User != "" { // the unit's security officer (G8), named by the unit
		out = append(out, Recipient{User: p.User})
	}
	return out
}

// NoticeRecipients returns who receives a notification of the key about the parties. It
// panics on a key without a rule: a new notification must say who receives it.
func NoticeRecipients(key string, p NoticeParties) []Recipient {
	rule, ok := NoticeRules[key]
	if !ok {
		panic(fmt.Sprintf("pubdata: notification %q has no recipient rule (NoticeRules)", key))
	}
	return rule(p)
}

// ticketProvider are the provider's users who answer problem tickets: its admins, editors
// and reviewers.
func ticketProvider(p NoticeParties) []Recipient {
	return roles(p.Provider, RoleAdmin, RoleEditor, RoleReviewer)
}
