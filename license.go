package pubdata

import (
	"context"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// License is a licence under which open data is published (开放数据使用协议): the list is
// the platform authority's; a provider chooses one per entry, or leaves the default of the
// entry's open class. The id is the SPDX identifier where the licence has one (CC-BY-4.0).
type License struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`    // Chinese title
	TitleEn   string    `json:"title_en"` // English title
	URL       string    `json:"url"`      // the licence's text; "" the platform's page /licenses#id
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TitleIn returns the licence's title in a language ("en" or Chinese).
func (l *License) TitleIn(lang string) string {
	if strings.HasPrefix(lang, "en") && l.TitleEn != "" {
		return l.TitleEn
	}
	return l.Title
}

// LicenseList is the licence list and the default licence of each open class
// (unconditional, conditional → licence id).
type LicenseList struct {
	Licenses []*License        `json:"licenses"`
	Defaults map[string]string `json:"defaults"`
}

// Find returns the licence of an id, nil when the list has none.
func (l *LicenseList) Find(id string) *License {
	if l == nil {
		return nil
	}
	for _, x := range l.Licenses {
		if x.ID == id {
			return x
		}
	}
	return nil
}

// EffectiveLicenseID is an entry's licence: its own, else the default of its open class
// ("" when neither is set, or for an entry that is not opened).
func EffectiveLicenseID(f *EntryFields, defaults map[string]string) string {
	if f.OpenClass == ClassNone {
		return ""
	}
	if f.License != "" {
		return f.License
	}
	return defaults[f.OpenClass]
}

// For returns an entry's licence (EffectiveLicenseID), nil when it has none.
func (l *LicenseList) For(f *EntryFields) *License {
	if l == nil {
		return nil
	}
	return l.Find(EffectiveLicenseID(f, l.Defaults))
}

// LicenseClasses are the open classes that have a default licence.
var LicenseClasses = []string{ClassUnconditional, ClassConditional}

var licenseIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$`)

// ValidateLicense checks a licence: an id of letters, digits and . + _ - (at most 64), a
// Chinese and an English title (at most 200 characters) and an http(s) URL or none (the
// platform's page of its licences then describes it).
func ValidateLicense(l *License) error {
	l.ID, l.Title, l.TitleEn, l.URL = strings.TrimSpace(l.ID), strings.TrimSpace(l.Title), strings.TrimSpace(l.TitleEn), strings.TrimSpace(l.URL)
	var p []*Error
	if !licenseIDPattern.MatchString(l.ID) {
		p = append(p, FieldErrorf("id", "The licence id must be 1 to 64 letters, digits and . + _ -, starting with a letter or digit.").Keyed("error.license.id"))
	}
	for _, t := range []struct{ field, v string }{{"title", l.Title}, {"title_en", l.TitleEn}} {
		if n := utf8.RuneCountInString(t.v); n == 0 || n > 200 {
			p = append(p, FieldErrorf(t.field, "The title is required, at most 200 characters.").Keyed("error.license.title"))
		}
	}
	if u, err := url.Parse(l.URL); l.URL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(l.URL) > 500) {
		p = append(p, FieldErrorf("url", "The licence's URL must be an http or https address (at most 500 characters).").Keyed("error.license.url"))
	}
	return invalid(p)
}

// CanManageLicenses reports whether the actor may change the licence list and the
// defaults, which the whole platform uses: an admin of the platform's authority.
func CanManageLicenses(a *Actor) bool { return IsPlatformAuthority(a) && a.Role() == RoleAdmin }

// LicenseObject is the record's object of a licence ("license:<id>"); the defaults are
// "license:defaults".
func LicenseObject(id string) string { return "license:" + id }

// LicenseService manages the licence list. Authorisation is the caller's
// (CanManageLicenses); every change records its event.
type LicenseService interface {
	// FindLicenses returns the list, by id, with the defaults.
	FindLicenses(ctx context.Context) (*LicenseList, error)
	// PutLicense creates or replaces a licence ("license.created", "license.updated" with
	// what it replaced). EINVALID with field errors.
	PutLicense(ctx context.Context, l *License) (*License, error)
	// DeleteLicense removes a licence ("license.deleted"). ENOTFOUND; ECONFLICT while it is
	// a default or an entry (working copy or published version) names it.
	DeleteLicense(ctx context.Context, id string) error
	// SetLicenseDefault sets the default licence of an open class (unconditional or
	// conditional; "" clears it) and records "license.default_set". EINVALID for another
	// class or an unknown licence.
	SetLicenseDefault(ctx context.Context, openClass, id string) error
}

// Limits of the contact point and temporal coverage.
const (
	maxContactName = 100
	maxContact     = 200
)

var phonePattern = regexp.MustCompile(`^[0-9+()\- ]{5,30}$`)

// checkEntryMetadata checks the licence id's syntax, the temporal coverage (dates, start not
// after end) and the contact point (an e-mail address, a phone number).
func checkEntryMetadata(f *EntryFields) []*Error {
	var p []*Error
	if f.License != "" && !licenseIDPattern.MatchString(f.License) {
		p = append(p, FieldErrorf("license", "No licence %q.", f.License).Keyed("error.entry.license", "License", f.License))
	}
	var start, end time.Time
	for _, d := range []struct {
		field, v string
		t        *time.Time
	}{{"temporal_start", f.TemporalStart, &start}, {"temporal_end", f.TemporalEnd, &end}} {
		if d.v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, d.v)
		if err != nil {
			p = append(p, FieldErrorf(d.field, "%s", fmt.Sprintf("%q is not a date (2024-01-31).", d.v)).Keyed("error.entry.date", "Value", d.v))
			continue
		}
		*d.t = t
	}
	if !start.IsZero() && !end.IsZero() && end.Before(start) {
		p = append(p, FieldErrorf("temporal_end", "The end of the temporal coverage is before its start.").Keyed("error.entry.temporal_order"))
	}
	if utf8.RuneCountInString(f.ContactName) > maxContactName {
		p = append(p, FieldErrorf("contact_name", "The contact's name must be at most %d characters.", maxContactName).Keyed("error.entry.contact_name", "Max", maxContactName))
	}
	if f.ContactEmail != "" {
		if a, err := mail.ParseAddress(f.ContactEmail); err != nil || a.Address != f.ContactEmail || len(f.ContactEmail) > maxContact {
			p = append(p, FieldErrorf("contact_email", "%q is not an e-mail address.", f.ContactEmail).Keyed("error.entry.contact_email", "Value", f.ContactEmail))
		}
	}
	if f.ContactPhone != "" && !phonePattern.MatchString(f.ContactPhone) {
		p = append(p, FieldErrorf("contact_phone", "%q is not a phone number (digits, spaces, + - and brackets).", f.ContactPhone).Keyed("error.entry.contact_phone", "Value", f.ContactPhone))
	}
	return p
}
