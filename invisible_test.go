package pubdata

import (
	"slices"
	"testing"
)

// hideInvisible: an invisible entry refuses consumers; an invisible item is left out of their
// columns; the provider and the authority keep everything; an entry without items (a
// service) is untouched.
func TestHideInvisible(t *testing.T) {
	items := []Item{{Name: "id_no", Key: true}, {Name: "name", Invisible: true}, {Name: "city"}}
	consumer := AccessDecision{Allow: true, Reason: AccessShared, Columns: []string{"id_no", "name", "city"}, Masks: map[string]string{"name": "name"}}
	d := hideInvisible(&Entry{EntryFields: EntryFields{Items: items}}, consumer)
	if !d.Allow || !slices.Equal(d.Columns, []string{"id_no", "city"}) || d.Masks["name"] != "" {
		t.Errorf("invisible item: %+v", d)
	}
	if !slices.Equal(consumer.Columns, []string{"id_no", "name", "city"}) {
		t.Errorf("the decision given was changed: %v", consumer.Columns)
	}
	d = hideInvisible(&Entry{EntryFields: EntryFields{Items: items, Invisible: true}}, consumer)
	if d.Allow || d.Reason != AccessInvisible || len(d.Columns) != 0 {
		t.Errorf("invisible entry: %+v", d)
	}
	for _, r := range []string{AccessProvider, AccessAuthority} {
		owner := AccessDecision{Allow: true, Reason: r, Columns: []string{"id_no", "name", "city"}}
		if d := hideInvisible(&Entry{EntryFields: EntryFields{Items: items, Invisible: true}}, owner); !d.Allow || len(d.Columns) != 3 {
			t.Errorf("%s: %+v", r, d)
		}
	}
	service := AccessDecision{Allow: true, Reason: AccessOpen}
	if d := hideInvisible(&Entry{}, service); !d.Allow {
		t.Errorf("a service entry: %+v", d)
	}
	only := []Item{{Name: "name", Invisible: true}}
	if d := hideInvisible(&Entry{EntryFields: EntryFields{Items: only}}, AccessDecision{Allow: true, Reason: AccessOpen, Columns: []string{"name"}}); d.Allow {
		t.Errorf("every item invisible: %+v", d)
	}
}

func TestCheckInvisibleTerms(t *testing.T) {
	f := &EntryFields{Items: []Item{{Name: "city", Type: "string"}, {Name: "age", Type: "integer"}}}
	f.InvisibleTerms = InvisibleTerms{GroupColumns: []string{"city"}, MinGroupSize: 5, PrivacyBudget: 3}
	if p := checkInvisible(f); len(p) != 0 {
		t.Errorf("valid terms: %v", p)
	}
	f.InvisibleTerms = InvisibleTerms{GroupColumns: []string{"age", "nope"}, MinGroupSize: -1, PrivacyBudget: 1000}
	if p := checkInvisible(f); len(p) != 4 {
		t.Errorf("want 4 problems, got %v", p)
	}
}

// A security alert reaches the unit's admins, the authority and the unit's security officer
// when it names one (G8).
func TestSecurityPartiesOfficer(t *testing.T) {
	with := NoticeRecipients(NoticeSecurityAlert, NoticeParties{Provider: "fj-gat", Authorities: []string{"350000-dsj"}, User: "gat-officer"})
	without := NoticeRecipients(NoticeSecurityAlert, NoticeParties{Provider: "fj-gat", Authorities: []string{"350000-dsj"}})
	if len(with) != len(without)+1 || with[len(with)-1] != (Recipient{User: "gat-officer"}) {
		t.Fatalf("with an officer %v, without %v", with, without)
	}
	for _, r := range without {
		if r.User != "" {
			t.Fatalf("a user recipient without an officer: %v", without)
		}
	}
}
