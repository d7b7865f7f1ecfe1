package pubdata

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Open policy rules of an entry: data obtained by sharing is never opened as the unit's own
// (E3), and an entry may carry a usage agreement that open applicants accept.

// Usage terms of an open entry's agreement.
const (
	TermNoOnwardTransfer = "no_onward_transfer"   // the data is not passed on to others
	TermDestroyAfter     = "destroy_after_period" // the data is destroyed when the period ends
	TermAttribution      = "attribution"          // uses name the provider as the source
)

// UsageTerms lists the terms an entry's usage agreement may hold.
var UsageTerms = []string{TermNoOnwardTransfer, TermDestroyAfter, TermAttribution}

// maxTermsText bounds an agreement's free text (characters).
const maxTermsText = 2000

// HasTerms reports whether the entry carries a usage agreement.
func (f *EntryFields) HasTerms() bool { return len(f.Terms) > 0 || f.TermsText != "" }

// CheckObtainedNotOpen returns EINVALID (field open_class) when the fields open data the
// unit obtained by sharing (E3); nil otherwise.
func CheckObtainedNotOpen(f *EntryFields) error {
	if len(f.Obtained) > 0 && f.OpenClass != "" && f.OpenClass != ClassNone {
		return FieldErrorf("open_class", "The entry holds data obtained by sharing (%s); it cannot be opened as the unit's own: its open class must be none.",
			strings.Join(f.Obtained, ", ")).Keyed("error.entry.obtained_open", "Codes", strings.Join(f.Obtained, ", "))
	}
	return nil
}

// checkOpenPolicy checks the obtained codes, E3, and the usage agreement.
func checkOpenPolicy(f *EntryFields) []*Error {
	var p []*Error
	for _, c := range f.Obtained {
		if !ValidResourceCode(c) {
			p = append(p, FieldErrorf("obtained", "Obtained resource code %q is not of the form 分类码/顺序码 (e.g. 301001/00001).", c).Keyed("error.entry.obtained", "Code", c))
			break
		}
	}
	if err := CheckObtainedNotOpen(f); err != nil {
		p = append(p, err.(*Error))
	}
	for _, t := range f.Terms {
		if !oneOf(t, UsageTerms) {
			p = append(p, FieldErrorf("terms", "Usage term %q is not one of %s.", t, strings.Join(UsageTerms, ", ")).Keyed("error.entry.terms", "Term", t, "Terms", strings.Join(UsageTerms, ", ")))
			break
		}
	}
	if n := utf8.RuneCountInString(f.TermsText); n > maxTermsText {
		p = append(p, FieldErrorf("terms_text", "%s", fmt.Sprintf("The usage agreement's text must be at most %d characters.", maxTermsText)).Keyed("error.entry.terms_text", "Max", maxTermsText))
	}
	return p
}
